package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The log-probability of one chosen entry per row under a tempered softmax: what RLHF computes for every token of
 * every rollout ({@code log pi(a_t | s_t)}), and the vocabulary-sized hot spot of PPO, GRPO and DPO steps:
 * <pre>
 *   y_i   = z_i[t_i] / tau - logsumexp(z_i / tau)
 *   dz_i  = g_i (onehot(t_i) - softmax(z_i / tau)) / tau
 * </pre>
 * It is the composite {@code logSoftmax(z / tau).gatherLast(t)}, which defines it. On float32 host memory its fast
 * twin takes the row log-sum-exps in one SIMD pass and backward recomputes the softmax in one more, so no (N, V)
 * log-softmax, one-hot or gradient-of-gather array is ever built.
 */
final class LogSoftmaxGather {
    private LogSoftmaxGather() {
    }

    static Tensor apply(Tensor logits, Tensor index, double temperature) {
        long[] ls = logits.shape();
        long[] is = index.shape();
        if (ls.length != is.length + 1 || !Arrays.equals(Arrays.copyOf(ls, is.length), is)) {
            throw Shapes.mismatch("logSoftmaxGather", ls, is, "do not match: expected logits (..., V) and index (...)");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("logSoftmaxGather: temperature must be positive and finite, got " + temperature);
        }
        Tensor scaled = temperature == 1.0 ? logits : logits.div(temperature);                 // (..., V)
        INDArray z = ShapeOps.dense(scaled);                                                 // e.g. logits[:, :-1] copied
        if (CpuKernels.applies(Path.SIMD, z)) {
            return fastLogSoftmaxGather(scaled, z, index.toLongArray(), ls, is);
        }
        return scaled.logSoftmax(-1).gatherLast(index);                                     // (...)
    }

    // ------------------------------------------------------------ fast twin (core.cpu): the definition above, faster

    /**
     * {@link #apply} on the dense float32 values {@code z} of {@code scaled}: one SIMD pass for the row log-sum-exps,
     * and backward one more that recomputes the softmax (the cross-entropy kernel with row scales {@code -g_i}).
     */
    private static Tensor fastLogSoftmaxGather(Tensor scaled, INDArray z, long[] t, long[] ls, long[] is) {
        long v = ls[ls.length - 1];
        int n = Math.toIntExact(Shapes.numel(is));
        for (int i = 0; i < n; i++) {
            if (t[i] < 0 || t[i] >= v) {
                throw new IndexOutOfBoundsException("logSoftmaxGather: index " + t[i] + " at position " + i
                        + " is out of range [0, " + v + ")");
            }
        }
        INDArray z2 = z.reshape('c', new long[] {n, v});                                      // (N, V) view
        double[] lse = CpuKernels.logSumExpRows(z2, n, (int) v);                           // (N)
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) (z2.getFloat(i, t[i]) - lse[i]);
        }
        INDArray out = Nd4j.createFromArray(y).reshape('c', is);
        return Tensor.result("logSoftmaxGather", out, g -> {
            double[] gi = g.dup('c').reshape('c', new long[] {n}).toDoubleVector();
            double[] rowScale = new double[n];
            for (int i = 0; i < n; i++) {
                rowScale[i] = -gi[i];                                                       // d(z/tau) = g (onehot - softmax)
            }
            INDArray dz = CpuKernels.uninitialized(DataType.FLOAT, ls);                    // (..., V)
            CpuKernels.crossEntropyBackward(z2, lse, t, rowScale, dz, n, (int) v);
            scaled.accumulate(dz);
        }, scaled);
    }
}
