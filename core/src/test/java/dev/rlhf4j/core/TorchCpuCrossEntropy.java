package dev.rlhf4j.core;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mean cross-entropy computed the way PyTorch's CPU kernels compute {@code F.cross_entropy(z.float(), t,
 * ignore_index=..., reduction="mean")}: in float32, operation for operation, so the loss and the gradient carry
 * PyTorch's own rounding. For comparing with references recorded from PyTorch where a float64 model was scored
 * by a float32 loss (Hugging Face's causal-LM loss does {@code logits.float()}); the ordinary
 * {@link Tensor#crossEntropy} stays in the input's precision.
 *
 * <p>What is reproduced (ATen's CPU kernels, AVX2 build shown; AVX-512 alike with 16 lanes; V = vocabulary, rows are
 * positions):
 * <pre>
 *   forward, per row (log_softmax lastdim: vec::reduce_all / map_reduce_all over 8-lane vectors)
 *     z      = (float) logits                          round to nearest
 *     m      = max_j z_j                                exact in any order
 *     S      = sum_j exp(z_j - m)                       8 lane sums (lane l takes j = l mod 8), then the lanes
 *                                                       pairwise: l + (l^4), then + (l^2), then + (l^1)
 *     out_j  = (z_j - m) - log(S)                       exp, log: SLEEF's, see SleefFloat
 *   loss (nll_loss mean): -out[t] summed in float over kept rows with ATen's cascade (16 rows a level), / count
 *   backward
 *     g      = -((float) dLoss / count)                 on each kept row's target, 0 elsewhere (nll_loss_backward)
 *     dz_j   = g_j - exp(out_j) * sum_j g_j             log_softmax_backward; sum_j g_j = g exactly
 * </pre>
 * The gradient is cast to the logits' dtype (the backward of {@code .float()}), the loss is returned in the
 * logits' dtype holding a float32 value. Lane order matters, so the vector width of the PyTorch build that recorded a
 * reference is a parameter: 8 lanes (AVX2) or 16 (AVX-512, whose reduce_all halves 16 lanes first). A sequential sum or
 * the wrong width gives other float32 gradients (measured on gpt2-tiny-random's AVX2 gradients: sequential 2.3e-7,
 * 16 lanes 4.8e-8, 8 lanes 4e-15 relative; on the AVX-512 LoRA fixture: 8 lanes 8e-8, 16 lanes 5e-15).
 * The backward's product and difference are rounded separately, as written in ATen (a fused multiply-add gave the
 * same bits on the fixture). If every target is ignored the loss is NaN, as in PyTorch.
 *
 * <p>A reference reproduction in plain Java loops (rows in parallel), holding the (N, V) log-probs on the heap
 * for backward; not a training fast path.
 */
public final class TorchCpuCrossEntropy {
    private TorchCpuCrossEntropy() {
    }

    /** AVX2: {@code Vectorized<float>} holds 8 floats. */
    public static final int AVX2_LANES = 8;
    /** AVX-512: 16 floats. */
    public static final int AVX512_LANES = 16;
    /** nll_loss's cascade: 8 partial sums, each level taking 2^4 rows of the one below. */
    private static final int CASCADE_LEVELS = 8;

    /** As an AVX2 build of PyTorch computes it. */
    public static Tensor apply(Tensor logits, Tensor targets, long ignoreIndex) {
        return apply(logits, targets, ignoreIndex, AVX2_LANES);
    }

    /** As a build whose {@code Vectorized<float>} holds {@code lanes} floats ({@link #AVX2_LANES} or {@link #AVX512_LANES}). */
    public static Tensor apply(Tensor logits, Tensor targets, long ignoreIndex, int lanes) {
        if (lanes != AVX2_LANES && lanes != AVX512_LANES) {
            throw new IllegalArgumentException("torchCpuCrossEntropy: " + lanes + " lanes; PyTorch's CPU builds use 8 (AVX2) or 16 (AVX-512)");
        }
        long[] ls = logits.shape();
        long[] ts = targets.shape();
        if (ls.length != ts.length + 1 || !Arrays.equals(Arrays.copyOf(ls, ts.length), ts)) {
            throw Shapes.mismatch("torchCpuCrossEntropy", ls, ts, "do not match: expected logits (..., V) and targets (...)");
        }
        int v = Math.toIntExact(ls[ls.length - 1]);
        int n = Math.toIntExact(Shapes.numel(ts));
        long[] t = targets.toLongArray();
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (t[i] == ignoreIndex) {
                continue;
            }
            if (t[i] < 0 || t[i] >= v) {
                throw new IndexOutOfBoundsException("torchCpuCrossEntropy: target " + t[i] + " at position " + i
                        + " is out of range [0, " + v + ") (ignore index " + ignoreIndex + ")");
            }
            count++;
        }
        INDArray z = logits.computeValue();
        DataType type = z.dataType();
        float[] out = toFloats(z);                                               // (N, V), becomes log_softmax in place
        IntStream.range(0, n).parallel().forEach(i -> logSoftmaxRow(out, i * v, v, lanes));
        float loss = meanNll(out, t, n, v, ignoreIndex, count);
        final int kept = count;
        return Tensor.result("torchCpuCrossEntropy", Nd4j.scalar(type, (double) loss), g -> {
            float gradLoss = (float) g.getDouble(0);
            float perRow = -(gradLoss / (float) kept);
            float[] dz = new float[n * v];                                       // (N, V)
            IntStream.range(0, n).parallel().forEach(i -> {
                int target = t[i] == ignoreIndex ? -1 : (int) t[i];
                float gi = target < 0 ? 0f : perRow;                            // the row's gradient sum
                for (int j = 0, o = i * v; j < v; j++) {
                    float gj = j == target ? gi : 0f;
                    dz[o + j] = gj - SleefFloat.exp(out[o + j]) * gi;
                }
            });
            logits.accumulate(fromFloats(dz, type, ls));
        }, logits);
    }

    /** One row of log_softmax over [from, from + v), in place, with {@code lanes}-wide vector sums. */
    private static void logSoftmaxRow(float[] z, int from, int v, int lanes) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = nanMax(max, z[from + j]);
        }
        float sum;
        if (v < lanes) {                                                         // ATen's short-row path: lane 0 in order
            sum = 0f;
            for (int j = 0; j < v; j++) {
                sum += SleefFloat.exp(z[from + j] - max);
            }
        } else {
            float[] lane = new float[lanes];
            for (int l = 0; l < lanes; l++) {
                lane[l] = SleefFloat.exp(z[from + l] - max);
            }
            for (int j = lanes; j < v; j++) {                                    // the tail updates only its own lanes
                lane[j % lanes] += SleefFloat.exp(z[from + j] - max);
            }
            sum = horizontalSum(lane);
        }
        float logSum = SleefFloat.log(sum);
        for (int j = 0; j < v; j++) {
            z[from + j] = z[from + j] - max - logSum;
        }
    }

    /** vec_reduce_all over 8 or 16 lanes: swap halves, then quarters, ..., then neighbours, adding each time; lane 0 is the sum. */
    static float horizontalSum(float[] lane) {
        float[] acc = lane.clone();
        for (int step = acc.length / 2; step >= 1; step /= 2) {
            float[] next = new float[acc.length];
            for (int l = 0; l < acc.length; l++) {
                next[l] = acc[l] + acc[l ^ step];
            }
            acc = next;
        }
        return acc[0];
    }

    /**
     * nll_loss, reduction mean, as ATen's cascade: each kept row's -out[t] goes into partial sum 0; after row b,
     * partial j moves up into j + 1 while the j-th group of 4 bits of b is zero. Then 0 + p0 + ... + p7, / count.
     */
    private static float meanNll(float[] out, long[] t, int n, int v, long ignoreIndex, int count) {
        int levelBits = Math.max(4, ceilLog2(n) / CASCADE_LEVELS);
        int levelMask = (1 << levelBits) - 1;
        float[] partial = new float[CASCADE_LEVELS];
        for (int b = 0; b < n; b++) {
            if (t[b] == ignoreIndex) {
                continue;
            }
            partial[0] -= out[b * v + (int) t[b]];
            for (int j = 0; j + 1 < CASCADE_LEVELS; j++) {
                if ((b & ((long) levelMask << (j * levelBits))) != 0) {
                    break;
                }
                partial[j + 1] += partial[j];
                partial[j] = 0f;
            }
        }
        float total = 0f;
        for (float p : partial) {
            total += p;
        }
        return total / (float) count;                                            // 0/0 = NaN when all are ignored
    }

    private static int ceilLog2(int x) {
        return x <= 2 ? 1 : 32 - Integer.numberOfLeadingZeros(x - 1);
    }

    /** max that propagates NaN (vec::maximum). */
    private static float nanMax(float a, float b) {
        return Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
    }

    /** The elements in row-major order, rounded to float32 (as {@code .float()}). */
    private static float[] toFloats(INDArray a) {
        try (INDArray c = a.dup('c')) {
            if (c.dataType() == DataType.FLOAT) {
                return c.data().asFloat();
            }
            double[] d = c.data().asDouble();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
    }

    /** A float32 array, or float64 holding the same values (the only compute types). */
    private static INDArray fromFloats(float[] f, DataType type, long[] shape) {
        if (type == DataType.FLOAT) {
            return Nd4j.create(f, shape, 'c');
        }
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return Nd4j.create(d, shape, 'c');
    }
}
