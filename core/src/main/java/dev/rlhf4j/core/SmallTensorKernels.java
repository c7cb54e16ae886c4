package dev.rlhf4j.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Forward-only kernels for small tensors when no graph is being recorded: the shape of one-token decoding,
 * where a GPT-2 residual holds 768 numbers and its GELU 3,072. There each ND4J op costs more to dispatch
 * (11-60 us) than to compute, so the chain of ops of a GELU, a softmax or an addition becomes one Java pass
 * over a copy of the elements, computed in float64 and stored in the input's type.
 *
 * <p>Large tensors, and any tensor whose gradient will be needed, keep the ND4J path (vectorised, multi-core,
 * and saving what backward needs); the kernels here compute the same functions and are tested against it.
 */
final class SmallTensorKernels {
    /** At most this many elements: a few per-op dispatches still cost more than one scalar pass. */
    static final long MAX_ELEMENTS = 1 << 15;

    private SmallTensorKernels() {
    }

    /** True when {@code x} is small, in host memory, and none of {@code inputs} records a graph. */
    static boolean applies(INDArray x, Tensor... inputs) {
        if (x.length() > MAX_ELEMENTS || !HostMemory.usable(x)) {
            return false;
        }
        if (NoGrad.isActive()) {
            return true;
        }
        for (Tensor t : inputs) {
            if (t.needsGrad()) {
                return false;
            }
        }
        return true;
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

    /** A c-order copy of a small array with any strides. */
    static INDArray contiguousCopy(INDArray x) {
        INDArray out = org.nd4j.linalg.factory.Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        HostMemory.copy(x, out);
        return out;
    }

    /** True when a copy between these arrays can go through {@link HostMemory#copy}. */
    static boolean copyApplies(INDArray src, INDArray dst) {
        return src.length() <= MAX_ELEMENTS && HostMemory.sameHostType(src, dst);
    }

    /** GPT-2's gelu_new, as {@code x * sigmoid(2u)}, the form of {@link Elementwise#gelu}. */
    static INDArray gelu(INDArray x, double c, double a) {
        double[] v = HostMemory.read(x);
        for (int i = 0; i < v.length; i++) {
            double t = v[i];
            double twoU = 2 * c * (t + a * t * t * t);
            v[i] = t / (1 + Math.exp(-twoU));
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
