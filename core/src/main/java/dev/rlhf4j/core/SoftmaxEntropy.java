package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Entropy of a tempered softmax along the last dimension, the policy entropy RLHF trainers log:
 * <pre>
 *   H_i = -sum_j p_ij log p_ij,   p_i = softmax(z_i / tau)
 * </pre>
 * It is the composite {@code -(exp(logp) logp).sum(-1)} of {@code logp = logSoftmax(z / tau)}, which an entropy
 * bonus backpropagates through. As a metric (no graph) on float32 host memory its fast twin is one SIMD pass per row
 * that keeps no (N, V) intermediate: the composite's seven vocabulary-sized passes were a tenth of a PPO step at
 * GPT-2 size.
 */
final class SoftmaxEntropy {
    private SoftmaxEntropy() {
    }

    static Tensor apply(Tensor logits, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("softmaxEntropy: temperature must be positive and finite, got " + temperature);
        }
        long[] ls = logits.shape();
        INDArray z = Tensor.recording(logits) || ls.length == 0 ? null : ShapeOps.dense(logits);
        if (z != null && CpuKernels.applies(Path.SIMD, z)) {
            return fastSoftmaxEntropy(z, ls, temperature);
        }
        Tensor scaled = temperature == 1.0 ? logits : logits.div(temperature);              // (..., V)
        Tensor logp = scaled.logSoftmax(-1);                                                 // (..., V)
        return logp.exp().mul(logp).sum(-1, false).neg();                                    // (...)
    }

    // ------------------------------------------------------------ fast twin (core.cpu): the definition above, faster

    /** {@link #apply} as a metric (no graph) on the dense float32 values {@code z}: one SIMD pass per row. */
    private static Tensor fastSoftmaxEntropy(INDArray z, long[] ls, double temperature) {
        long v = ls[ls.length - 1];
        long[] rows = java.util.Arrays.copyOf(ls, ls.length - 1);
        int n = Math.toIntExact(Shapes.numel(rows));
        double[] h = CpuKernels.softmaxEntropyRows(z.reshape('c', new long[] {n, v}), n, (int) v, temperature);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) h[i];
        }
        return Tensor.wrap(Nd4j.createFromArray(out).reshape('c', rows));
    }
}
