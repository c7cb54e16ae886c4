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
        float lanes = 0f;
        for (float lane : acc.toArray()) {                  // in lane order: reduceLanes(ADD) leaves the order open
            lanes += lane;
        }
        double sum = lanes;
        for (; i < to; i++) {
            sum += VectorExp.exp(row[i] - shift);
        }
        return sum;
    }
}
