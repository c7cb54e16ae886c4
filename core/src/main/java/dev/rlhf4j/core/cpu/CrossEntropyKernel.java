package dev.rlhf4j.core.cpu;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link CrossEntropy} on float32 logits in host memory, rows across cores, one SIMD pass per step:
 * <pre>
 *   forward:   lse_i = max_i + log sum_j exp(z_ij - max_i)              (max, then exp and sum)
 *   backward:  dz_ij = scale_i (exp(z_ij - lse_i) - [j = t_i])           (the softmax recomputed, not kept)
 * </pre>
 * Sums add float lanes over blocks of {@link #BLOCK}, the lanes in order, and the blocks in float64; exp is
 * {@link VectorExp}, so a run's numbers do not depend on when the JIT compiles the loop. Recomputing the softmax in
 * backward costs one exp pass and keeps no (N, V) array alive between the passes. Only loaded when
 * {@link CpuKernels#applies} allows the SIMD path.
 */
final class CrossEntropyKernel {
    private CrossEntropyKernel() {
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int BLOCK = 1024;
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Log-sum-exp of each row of the contiguous (n, v) float32 array {@code z}. */
    static double[] logSumExp(INDArray z, int n, int v) {
        FloatBuffer in = HostMemory.floats(z);
        double[] lse = new double[n];
        HostMemory.inParallel(n, 8, (from, to) -> {
            float[] row = row(v);
            for (int r = from; r < to; r++) {
                in.get(r * v, row, 0, v);
                float max = max(row, v);
                float shift = Float.isInfinite(max) ? 0f : max;
                double sum = 0;
                for (int start = 0; start < v; start += BLOCK) {
                    sum += sumExp(row, start, Math.min(v, start + BLOCK), shift);
                }
                lse[r] = Math.log(sum) + shift;
            }
        });
        return lse;
    }

    /**
     * {@code out_ij = scale_i (exp(z_ij - lse_i) - [j = t_i])}, or 0 on rows whose {@code scale_i} is 0; {@code out}
     * is a contiguous (n, v) float32 array.
     */
    static void backward(INDArray z, double[] lse, long[] targets, double[] scale, INDArray out, int n, int v) {
        FloatBuffer in = HostMemory.floats(z);
        FloatBuffer dst = HostMemory.floats(out);
        HostMemory.inParallel(n, 8, (from, to) -> {
            float[] row = row(v);
            for (int r = from; r < to; r++) {
                float s = (float) scale[r];
                if (s == 0f) {
                    java.util.Arrays.fill(row, 0, v, 0f);
                } else {
                    in.get(r * v, row, 0, v);
                    float shift = (float) lse[r];
                    int i = 0;
                    for (; i < S.loopBound(v); i += S.length()) {
                        VectorExp.exp(FloatVector.fromArray(S, row, i).sub(shift)).mul(s).intoArray(row, i);
                    }
                    for (; i < v; i++) {
                        row[i] = VectorExp.exp(row[i] - shift) * s;
                    }
                    row[(int) targets[r]] -= s;
                }
                dst.put(r * v, row, 0, v);
            }
        });
    }

    /**
     * Entropy of the softmax of each row of {@code z / temperature}: {@code H_i = lse_i - sum_j p_ij s_ij}, s = z / tau,
     * from the row's max and one pass of {@code e_j = exp(s_j - max)}: {@code lse = max + log sum e},
     * {@code sum p s = sum e s / sum e}.
     */
    static double[] entropy(INDArray z, int n, int v, float temperature) {
        FloatBuffer in = HostMemory.floats(z);
        double[] h = new double[n];
        float inv = 1f / temperature;
        HostMemory.inParallel(n, 8, (from, to) -> {
            float[] row = row(v);
            for (int r = from; r < to; r++) {
                in.get(r * v, row, 0, v);
                int i = 0;
                if (inv != 1f) {
                    for (; i < S.loopBound(v); i += S.length()) {
                        FloatVector.fromArray(S, row, i).mul(inv).intoArray(row, i);
                    }
                    for (; i < v; i++) {
                        row[i] *= inv;
                    }
                }
                float max = max(row, v);
                float shift = Float.isInfinite(max) ? 0f : max;
                double sum = 0;
                double weighted = 0;
                for (int start = 0; start < v; start += BLOCK) {
                    int end = Math.min(v, start + BLOCK);
                    FloatVector acc = FloatVector.zero(S);
                    FloatVector accS = FloatVector.zero(S);
                    int j = start;
                    for (; j + S.length() <= end; j += S.length()) {
                        FloatVector x = FloatVector.fromArray(S, row, j).sub(shift);
                        FloatVector e = VectorExp.exp(x);
                        acc = acc.add(e);
                        accS = e.fma(x, accS);
                    }
                    sum += inOrder(acc);
                    weighted += inOrder(accS);
                    for (; j < end; j++) {
                        float x = row[j] - shift;
                        float e = VectorExp.exp(x);
                        sum += e;
                        weighted += e * x;
                    }
                }
                h[r] = Math.log(sum) - weighted / sum;                  // lse - sum p s, both relative to the shift
            }
        });
        return h;
    }

    private static float inOrder(FloatVector lanes) {
        float total = 0f;
        for (float lane : lanes.toArray()) {
            total += lane;
        }
        return total;
    }

    private static float[] row(int v) {
        float[][] holder = ROW.get();
        if (holder[0].length < v) {
            holder[0] = new float[v];
        }
        return holder[0];
    }

    private static float max(float[] row, int v) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < S.loopBound(v); i += S.length()) {
            acc = acc.max(FloatVector.fromArray(S, row, i));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < v; i++) {
            max = Math.max(max, row[i]);
        }
        return max;
    }

    private static double sumExp(float[] row, int from, int to, float shift) {
        FloatVector acc = FloatVector.zero(S);
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            acc = acc.add(VectorExp.exp(FloatVector.fromArray(S, row, i).sub(shift)));
        }
        double sum = inOrder(acc);                           // in lane order: reduceLanes(ADD) leaves the order open
        for (; i < to; i++) {
            sum += VectorExp.exp(row[i] - shift);
        }
        return sum;
    }
}
