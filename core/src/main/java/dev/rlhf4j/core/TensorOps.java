package dev.rlhf4j.core;

/**
 * The operations a {@link Tensor} offers, each one line naming the op class that holds its forward and backward
 * ({@link Elementwise}, {@link MatMul}, {@link ShapeOps}, {@link Reductions}, {@link Softmax}, {@link LayerNorm},
 * {@link CrossEntropy}, {@link Attention}, ...). Also the copies, read-outs
 * and in-place updates. Tensor is the only implementation.
 */
public sealed interface TensorOps permits Tensor {
    private Tensor self() {
        return (Tensor) this;
    }

    default Tensor add(Tensor o) { return Elementwise.add(self(), o); }
    default Tensor sub(Tensor o) { return Elementwise.sub(self(), o); }
    default Tensor mul(Tensor o) { return Elementwise.mul(self(), o); }
    default Tensor div(Tensor o) { return Elementwise.div(self(), o); }
    default Tensor add(double c) { return Elementwise.addScalar(self(), c); }
    default Tensor sub(double c) { return Elementwise.addScalar(self(), -c); }
    default Tensor mul(double c) { return Elementwise.mulScalar(self(), c); }
    default Tensor div(double c) { return Elementwise.mulScalar(self(), 1.0 / c); }
    default Tensor neg() { return Elementwise.mulScalar(self(), -1.0); }
    default Tensor abs() { return Elementwise.abs(self()); }
    default Tensor pow(double p) { return Elementwise.pow(self(), p); }
    default Tensor exp() { return Elementwise.exp(self()); }
    default Tensor log() { return Elementwise.log(self()); }
    default Tensor sqrt() { return Elementwise.sqrt(self()); }
    default Tensor tanh() { return Elementwise.tanh(self()); }
    default Tensor sigmoid() { return Elementwise.sigmoid(self()); }
    default Tensor logSigmoid() { return Elementwise.logSigmoid(self()); }
    default Tensor relu() { return Elementwise.relu(self()); }
    default Tensor gelu() { return Elementwise.gelu(self()); }
    default Tensor clamp(double min, double max) { return Elementwise.clamp(self(), min, max); }
    default Tensor minimum(Tensor o) { return Elementwise.minimum(self(), o); }
    default Tensor maximum(Tensor o) { return Elementwise.maximum(self(), o); }
    default Tensor maskedFill(Tensor mask, double fill) { return Elementwise.maskedFill(self(), mask, fill); }
    default Tensor to(DType type) { return Elementwise.cast(self(), type); }

    default Tensor matmul(Tensor o) { return MatMul.matmul(self(), o); }
    /** {@code this (..., K) @ weight (K, N) + bias (N)}, the bias added by the matrix product itself. */
    default Tensor linear(Tensor weight, Tensor bias) { return MatMul.linear(self(), weight, bias); }

    default Tensor reshape(long... shape) { return ShapeOps.reshape(self(), shape); }
    default Tensor transpose(int dim0, int dim1) { return ShapeOps.transpose(self(), dim0, dim1); }
    default Tensor permute(int... dims) { return ShapeOps.permute(self(), dims); }
    default Tensor narrow(int dim, long start, long length) { return ShapeOps.narrow(self(), dim, start, length); }

    default Tensor gatherLast(Tensor index) { return Indexing.gatherLast(self(), index); }

    default Tensor sum() { return Reductions.sumAll(self()); }
    default Tensor mean() { return Reductions.meanAll(self()); }
    default Tensor sum(int dim, boolean keepDim) { return Reductions.sum(self(), keepDim, dim); }
    default Tensor mean(int dim, boolean keepDim) { return Reductions.mean(self(), keepDim, dim); }
    default Tensor max(int dim, boolean keepDim) { return Reductions.max(self(), keepDim, dim); }
    default Tensor sum(boolean keepDim, int... dims) { return Reductions.sum(self(), keepDim, dims); }
    default Tensor mean(boolean keepDim, int... dims) { return Reductions.mean(self(), keepDim, dims); }
    default Tensor logSumExp(int dim, boolean keepDim) { return Softmax.logSumExp(self(), dim, keepDim); }


    default Tensor softmax(int dim) { return Softmax.softmax(self(), dim); }
    default Tensor logSoftmax(int dim) { return Softmax.logSoftmax(self(), dim); }

    default Tensor layerNorm(Tensor weight, Tensor bias, double eps) { return LayerNorm.apply(self(), weight, bias, eps); }
    default Tensor crossEntropy(Tensor targets, long ignoreIndex) { return CrossEntropy.apply(self(), targets, ignoreIndex); }
    /** {@code logSoftmax(this / temperature)} at one index per row, fused: (..., V) and (...) give (...). */
    default Tensor logSoftmaxGather(Tensor index, double temperature) { return LogSoftmaxGather.apply(self(), index, temperature); }
    /** Entropy of {@code softmax(this / temperature)} along the last dimension: (..., V) gives (...). */
    default Tensor softmaxEntropy(double temperature) { return SoftmaxEntropy.apply(self(), temperature); }
    default Tensor dropout(double p, TensorRandom random) { return Dropout.apply(self(), p, random); }

    // ---------------------------------------------------------------- copies, conversions, in-place updates

    /** Copies {@code source}'s values into this tensor (same shape), converting the type. Records nothing. */
    default Tensor assign(Tensor source) { return InPlace.assign(self(), source); }
    /** {@code this += alpha * other}, in place, recording nothing. */
    default Tensor addInPlace(Tensor other, double alpha) { return InPlace.addScaled(self(), other, alpha); }
    /** {@code this *= factor}, in place, recording nothing. */
    default Tensor scaleInPlace(double factor) { return InPlace.scale(self(), factor); }
    /** Sets every element to {@code v}, in place. */
    default Tensor fill(double v) { return InPlace.fill(self(), v); }

    /** The elements as little-endian bytes in row-major order (the safetensors layout). */
    default java.nio.ByteBuffer toBytes() { return Conversions.toBytes(self()); }

    /** An independent leaf with the same values and type (no history, no gradient). */
    default Tensor copy() {
        return Tensor.wrap(self().value().dup('c'));
    }

    default double[] toDoubleArray() { return Conversions.toDoubleArray(self().value()); }
    default float[] toFloatArray() { return Conversions.toFloatArray(self().value()); }
    default long[] toLongArray() { return Conversions.toLongArray(self().value()); }
    default int[] toIntArray() { return Conversions.toIntArray(self().value()); }

    /** A tensor with the same value (shared memory) and no history: gradients stop here. */
    default Tensor detach() {
        return Tensor.wrapView(self().value(), "detach");
    }
}
