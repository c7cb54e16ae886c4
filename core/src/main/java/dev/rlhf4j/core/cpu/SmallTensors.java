package dev.rlhf4j.core.cpu;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Forward-only kernels for small tensors when no graph is being recorded: the shape of one-token decoding,
 * where a GPT-2 residual holds 768 numbers. There each ND4J op costs more to dispatch (11-60 us) than to
 * compute, so the chain of ops of a softmax or an addition becomes one Java pass over a copy of the elements,
 * computed in float64 and stored in the input's type. Tested against the ND4J ops they replace.
 */
final class SmallTensors {
    /** At most this many elements: a few per-op dispatches still cost more than one scalar pass. */
    static final long MAX_ELEMENTS = 1 << 15;

    private SmallTensors() {
    }

    /** {@code x + y} of one shape, both contiguous. */
    static INDArray add(INDArray x, INDArray y) {
        double[] v = HostMemory.read(x);
        double[] w = HostMemory.read(y);
        for (int i = 0; i < v.length; i++) {
            v[i] += w[i];
        }
        return HostMemory.create(v, x.dataType(), x.shape());
    }

    /** Softmax over the last dimension, the maximum subtracted first. */
    static INDArray softmaxLast(INDArray x) {
        double[] v = HostMemory.read(x);
        int n = (int) x.size(x.rank() - 1);
        for (int row = 0; row < v.length; row += n) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = row; i < row + n; i++) {
                max = Math.max(max, v[i]);
            }
            double sum = 0;
            for (int i = row; i < row + n; i++) {
                v[i] = Math.exp(v[i] - max);
                sum += v[i];
            }
            for (int i = row; i < row + n; i++) {
                v[i] /= sum;
            }
        }
        return HostMemory.create(v, x.dataType(), x.shape());
    }
}
