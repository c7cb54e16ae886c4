package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An n-dimensional array with reverse-mode automatic differentiation.
 *
 * <p>A tensor holds its value (an ND4J array), its gradient once {@link #backward()} has reached it, and, if
 * an operation produced it while gradients were being recorded, its parents and the rule that pushes its
 * gradient to them. Each rule is written beside its forward in the op classes ({@link Elementwise},
 * {@link MatMul}, {@link Reductions}, ...); this class only wires them together and runs them in reverse
 * topological order.
 *
 * <p>Memory: intermediates belong to the innermost open {@link Arena} and are released when it closes.
 * Tensors made outside any arena (parameters, caches) are released by their owner with {@link #release()}
 * or, late, by the garbage collector.
 */
public final class Tensor {
    /** Pushes the gradient of an op's output to the op's inputs; written beside each forward. */
    @FunctionalInterface
    interface Backward {
        void apply(INDArray gradOut);
    }

    private INDArray value;
    private final GradientBuffer gradient = new GradientBuffer();
    private boolean requiresGrad;
    private final String op;
    private final boolean view;
    private Tensor[] parents;
    private Backward backward;
    private List<INDArray> saved;
    private boolean released;
    private String name;
    private Tensor transposeOf;

    private Tensor(INDArray value, String op, boolean view) {
        this.value = value;
        this.op = op;
        this.view = view;
        Arena.register(this);
    }

    // ---------------------------------------------------------------- construction

    /** Wraps an array this tensor now owns; a leaf with no gradient. */
    static Tensor wrap(INDArray value) {
        return new Tensor(value, "leaf", false);
    }

    /** Wraps an array that shares memory with another tensor's and must never be freed through this one. */
    static Tensor wrapView(INDArray value, String op) {
        return new Tensor(value, op, true);
    }

    /**
     * The result of an op. Records {@code backward} and the parents when some parent requires a gradient and
     * no {@link NoGrad} scope is active; otherwise the result is a plain leaf.
     */
    static Tensor result(String op, INDArray value, Backward backward, Tensor... parents) {
        return result(op, value, false, backward, parents);
    }

    /** The result of an op computed without a graph (no input needs a gradient, or a {@link NoGrad} scope). */
    static Tensor inferenceResult(String op, INDArray value) {
        return new Tensor(value, op, false);
    }

    static Tensor viewResult(String op, INDArray value, Backward backward, Tensor... parents) {
        return result(op, value, true, backward, parents);
    }

    private static Tensor result(String op, INDArray value, boolean view, Backward backward, Tensor... parents) {
        Tensor out = new Tensor(value, op, view);
        if (!NoGrad.isActive()) {
            for (Tensor p : parents) {
                if (p != null && p.requiresGrad) {
                    out.requiresGrad = true;
                    out.parents = parents;
                    out.backward = backward;
                    break;
                }
            }
        }
        return out;
    }

    /** Hands a saved array over to someone else (e.g. a gradient built in its memory): no longer freed with this tensor. */
    void unsave(INDArray array) {
        if (saved != null) {
            saved.removeIf(a -> a == array);
        }
    }

    /** True when an op on these inputs records a graph: no {@link NoGrad} scope, and some input needs a gradient. */
    static boolean recording(Tensor... inputs) {
        if (NoGrad.isActive()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad) {
                return true;
            }
        }
        return false;
    }

    /** Keeps arrays the backward rule needs alive exactly as long as this tensor. */
    Tensor save(INDArray... arrays) {
        if (saved == null) {
            saved = new ArrayList<>(arrays.length);
        }
        saved.addAll(Arrays.asList(arrays));
        return this;
    }

    public static Tensor zeros(DType type, long... shape) {
        return wrap(Nd4j.zeros(type.nd4j(), shape));
    }

    public static Tensor ones(DType type, long... shape) {
        return wrap(Nd4j.ones(type.nd4j(), shape));
    }

    public static Tensor full(double fill, DType type, long... shape) {
        return wrap(Nd4j.valueArrayOf(shape, fill, type.nd4j()));
    }

    public static Tensor scalar(double v, DType type) {
        return wrap(Nd4j.scalar(v).castTo(type.nd4j()));
    }

    /** A float32 tensor of the given values in row-major order. */
    public static Tensor of(float[] data, long... shape) {
        checkLength(data.length, shape);
        return wrap(Nd4j.create(data, shape, 'c'));
    }

    /** A float64 tensor of the given values in row-major order. */
    public static Tensor of(double[] data, long... shape) {
        checkLength(data.length, shape);
        return wrap(Nd4j.create(data, shape, 'c'));
    }

    /** The given values converted to {@code type}. */
    public static Tensor of(double[] data, DType type, long... shape) {
        checkLength(data.length, shape);
        INDArray d = Nd4j.create(data, shape, 'c');
        if (type == DType.FLOAT64) {
            return wrap(d);
        }
        INDArray cast = d.castTo(type.nd4j());
        d.close();
        return wrap(cast);
    }

    /** An int64 tensor, the type of token ids and indices. */
    public static Tensor ofLongs(long[] data, long... shape) {
        checkLength(data.length, shape);
        return wrap(Nd4j.createFromArray(data).reshape(shape).dup('c'));
    }

    /** An int64 tensor of the given ints, the type of token ids and indices. */
    public static Tensor ofInts(int[] data, long... shape) {
        return ofLongs(Arrays.stream(data).asLongStream().toArray(), shape);
    }

    /**
     * A tensor of {@code type} read from little-endian bytes (the safetensors layout). The bytes are copied
     * once, buffer to buffer: a memory-mapped file never passes through the Java heap.
     */
    public static Tensor fromBytes(ByteBuffer bytes, DType type, long... shape) {
        long n = Shapes.numel(shape);
        if (bytes.remaining() != n * type.bytes()) {
            throw new ShapeException("fromBytes: " + bytes.remaining() + " bytes cannot hold " + type + Shapes.str(shape)
                    + " (" + n * type.bytes() + " bytes)");
        }
        if (n == 0) {
            return wrap(Nd4j.create(type.nd4j(), shape));                  // an empty array has no buffer to fill
        }
        INDArray a = Nd4j.createUninitialized(type.nd4j(), shape, 'c');
        ByteBuffer target = a.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
        target.put(bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        return wrap(a);
    }

    /** The elements as little-endian bytes in row-major order (the safetensors layout). */
    public ByteBuffer toBytes() {
        if (numel() == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        INDArray dense = value().dup('c');
        ByteBuffer src = dense.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(dense.length() * dtype().bytes())).order(ByteOrder.LITTLE_ENDIAN);
        src.limit(out.capacity());
        out.put(src);
        dense.close();
        return out.flip();
    }

    /** An independent leaf with the same values and type (no history, no gradient). */
    public Tensor copy() {
        return wrap(value().dup('c'));
    }

    /** {@code 0, 1, ..., n-1} as int64. */
    public static Tensor arange(long n) {
        return wrap(Nd4j.arange(0, n).castTo(DType.INT64.nd4j()));
    }

    private static void checkLength(int length, long[] shape) {
        if (length != Shapes.numel(shape)) {
            throw new ShapeException("tensor: " + length + " values cannot fill shape " + Shapes.str(shape));
        }
    }

    // ---------------------------------------------------------------- inspection

    public long[] shape() {
        return value().shape();
    }

    public long size(int dim) {
        long[] s = shape();
        return s[Shapes.dim("size", s, dim)];
    }

    public int rank() {
        return value().rank();
    }

    public long numel() {
        return value().length();
    }

    public DType dtype() {
        return DType.of(value().dataType());
    }

    /** The name of the op that produced this tensor ("leaf" for inputs and parameters). */
    public String op() {
        return op;
    }

    /** A label for messages, e.g. the parameter name; null if none was given. */
    public String name() {
        return name;
    }

    public Tensor named(String label) {
        this.name = label;
        return this;
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new ShapeException("item: tensor of shape " + Shapes.str(shape()) + " has " + numel() + " elements, expected 1");
        }
        return value().getDouble(0);
    }

    public double get(long... index) {
        return value().getDouble(index);
    }

    public double[] toDoubleArray() {
        INDArray v = value();
        if (CpuKernels.applies(Path.HOST, v)) {
            return CpuKernels.read(v);                   // one bulk copy, no intermediate array
        }
        try (INDArray c = v.dup('c')) {
            return c.data().asDouble();
        }
    }

    public float[] toFloatArray() {
        try (INDArray c = value().dup('c')) {
            return c.data().asFloat();
        }
    }

    public long[] toLongArray() {
        try (INDArray c = value().dup('c')) {
            return c.data().asLong();
        }
    }

    public int[] toIntArray() {
        try (INDArray c = value().dup('c')) {
            return c.data().asInt();
        }
    }

    @Override
    public String toString() {
        if (released) {
            return "Tensor(" + op + ", released)";
        }
        return "Tensor(" + op + ", " + dtype() + Shapes.str(shape()) + (requiresGrad ? ", requiresGrad" : "") + ")\n" + value;
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as a variable whose gradient {@link #backward()} computes. Returns this. */
    public Tensor requiresGrad(boolean flag) {
        if (parents != null) {
            throw new IllegalStateException("requiresGrad: only leaves can be marked; '" + op + "' is an op result (detach() it first)");
        }
        if (flag && !dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: " + dtype() + " tensors cannot have gradients");
        }
        this.requiresGrad = flag;
        return this;
    }

    /** Keeps this non-leaf tensor's gradient after backward (by default only leaves keep theirs). */
    public Tensor retainGrad() {
        gradient.retain();
        return this;
    }

    /** The accumulated gradient, or null before any backward reached this tensor. Shares memory with it. */
    public Tensor grad() {
        INDArray g = gradient.current();
        return g == null ? null : wrapView(g, "grad");
    }

    /**
     * Forgets the accumulated gradient ({@link #grad()} is null until the next backward), keeping its memory for
     * that backward to overwrite. {@link #release()} frees it.
     */
    public void zeroGrad() {
        gradient.zero();
    }

    /**
     * This tensor's gradient buffer for a rule that computes in {@code type}, creating it if needed; null when
     * the rule must hand over a contribution through {@link #accumulate} instead (no gradient needed, or the
     * tensor's compute type is another).
     */
    GradientBuffer.Target gradientTarget(DataType type) {
        return requiresGrad && computeType() == type ? gradient.target(type, value.shape()) : null;
    }

    private DataType computeType() {
        return DType.of(value().dataType()).computeType().nd4j();
    }

    /** A tensor with the same value (shared memory) and no history: gradients stop here. */
    public Tensor detach() {
        return wrapView(value(), "detach");
    }

    /** Backpropagates from this one-element tensor (typically a loss). */
    public void backward() {
        if (numel() != 1) {
            throw new ShapeException("backward: called on a tensor of shape " + Shapes.str(shape())
                    + "; pass a gradient of that shape or reduce to a scalar first");
        }
        backward(Nd4j.onesLike(computeValue()));
    }

    /** Backpropagates the given gradient of this tensor. */
    public void backward(Tensor gradient) {
        if (!Arrays.equals(gradient.shape(), shape())) {
            throw Shapes.mismatch("backward", shape(), gradient.shape(), "differ: the gradient must have the tensor's shape");
        }
        INDArray given = gradient.computeValue();
        INDArray seed = CpuKernels.uninitialized(given.dataType(), given.shape());  // the root's buffer: freed after use
        seed.assign(given);
        backward(seed);
    }

    private void backward(INDArray seed) {
        if (!requiresGrad) {
            seed.close();
            throw new IllegalStateException("backward: '" + op + "' does not require a gradient "
                    + "(no input had requiresGrad(true), or it was computed inside NoGrad)");
        }
        Backprop.run(this, seed);
    }

    /** Runs this op's backward rule on the accumulated gradient, then frees it unless it is to be kept. */
    void propagate() {
        INDArray g = gradient.current();
        if (g == null || backward == null) {
            return;
        }
        backward.apply(g);
        gradient.consumed();
    }

    /**
     * The matrix this tensor is the transpose of, when it is exactly that (a 2-D {@code transpose} or
     * {@code permute(1, 0)} view), else null: lets a product write the gradient in the matrix's own layout.
     */
    Tensor transposeOf() {
        return transposeOf;
    }

    /** Marks this tensor as the 2-D transpose view of {@code matrix} (set by permute). */
    Tensor markTransposeOf(Tensor matrix) {
        this.transposeOf = matrix;
        return this;
    }

    /** True for tensors no op produced while recording (inputs and parameters). */
    boolean isLeaf() {
        return parents == null;
    }

    /** The inputs that need a gradient from this tensor (none for leaves and for results of NoGrad). */
    Tensor[] parents() {
        return parents == null ? new Tensor[0] : parents;
    }

    /** Adds a gradient contribution, taking ownership of the array. */
    void accumulate(INDArray contribution) {
        if (!requiresGrad) {
            contribution.close();
            return;
        }
        gradient.add(contribution, computeType(), value().shape(), name != null ? name : op);
    }

    /**
     * Adds {@code contribution} (not taken over) to the region {@code index} of this tensor's gradient, the rest
     * unchanged: a slice's backward writes into its source's gradient instead of a zero-padded full copy.
     */
    void accumulateInto(INDArrayIndex[] index, INDArray contribution) {
        if (requiresGrad) {
            gradient.addInto(index, contribution, computeType(), value().shape());
        }
    }

    /** True if backward must compute a gradient for this input. */
    boolean needsGrad() {
        return requiresGrad;
    }

    // ---------------------------------------------------------------- memory

    /** The stored array. Package-private: only {@code core} sees ND4J. */
    INDArray value() {
        if (released) {
            throw new IllegalStateException("tensor '" + (name != null ? name : op)
                    + "' was released (its arena closed); Arena.keep(...) a tensor to use it after its step");
        }
        return value;
    }

    /** The value in its compute type: half-precision storage is upcast to float32 (owned by the arena). */
    INDArray computeValue() {
        INDArray v = value();
        if (!DType.of(v.dataType()).isHalf()) {
            return v;
        }
        return wrap(v.castTo(DType.FLOAT32.nd4j())).value;
    }

    /** Frees the value, the gradient and anything saved for backward; the tensor is unusable afterwards. */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        if (!view) {
            CpuKernels.free(value);
        }
        gradient.release();
        if (saved != null) {
            for (INDArray a : saved) {
                CpuKernels.free(a);
            }
        }
        saved = null;
        parents = null;
        backward = null;
        value = null;
    }

    public boolean isReleased() {
        return released;
    }

    Tensor independentCopyIfView() {
        return view ? wrap(value().dup()) : this;
    }

    void dropGraph() {
        parents = null;
        backward = null;
    }

    // ---------------------------------------------------------------- in-place updates (optimizers, caches)

    /** Copies {@code source}'s values into this tensor (same shape), converting the type. Records nothing. */
    public Tensor assign(Tensor source) {
        if (!Arrays.equals(source.shape(), shape())) {
            throw Shapes.mismatch("assign", shape(), source.shape(), "differ");
        }
        value().assign(source.value());
        return this;
    }

    /** {@code this += alpha * other}, in place, recording nothing. */
    public Tensor addInPlace(Tensor other, double alpha) {
        if (!Arrays.equals(other.shape(), shape())) {
            throw Shapes.mismatch("addInPlace", shape(), other.shape(), "differ");
        }
        INDArray y = value();
        INDArray x = other.value();
        if (alpha == 1.0) {
            y.addi(x);
        } else if (x.dataType() == y.dataType() && x.dataType().isFPType() && ShapeOps.isContiguous(x) && ShapeOps.isContiguous(y)) {
            long[] flat = {y.length()};
            Nd4j.getBlasWrapper().axpy(alpha, x.reshape('c', flat), y.reshape('c', flat));   // one pass, no temporary
        } else {
            try (INDArray scaled = x.mul(alpha)) {
                y.addi(scaled);
            }
        }
        return this;
    }

    /** {@code this *= factor}, in place, recording nothing. */
    public Tensor scaleInPlace(double factor) {
        value().muli(factor);
        return this;
    }

    /** Sets every element to {@code v}, in place. */
    public Tensor fill(double v) {
        value().assign(v);
        return this;
    }

    // ---------------------------------------------------------------- ops (rules live in the op classes)

    public Tensor add(Tensor o) { return Elementwise.add(this, o); }
    public Tensor sub(Tensor o) { return Elementwise.sub(this, o); }
    public Tensor mul(Tensor o) { return Elementwise.mul(this, o); }
    public Tensor div(Tensor o) { return Elementwise.div(this, o); }
    public Tensor add(double c) { return Elementwise.addScalar(this, c); }
    public Tensor sub(double c) { return Elementwise.addScalar(this, -c); }
    public Tensor mul(double c) { return Elementwise.mulScalar(this, c); }
    public Tensor div(double c) { return Elementwise.mulScalar(this, 1.0 / c); }
    public Tensor neg() { return Elementwise.mulScalar(this, -1.0); }
    public Tensor abs() { return Elementwise.abs(this); }
    public Tensor pow(double p) { return Elementwise.pow(this, p); }
    public Tensor exp() { return Elementwise.exp(this); }
    public Tensor log() { return Elementwise.log(this); }
    public Tensor sqrt() { return Elementwise.sqrt(this); }
    public Tensor tanh() { return Elementwise.tanh(this); }
    public Tensor sigmoid() { return Elementwise.sigmoid(this); }
    public Tensor logSigmoid() { return Elementwise.logSigmoid(this); }
    public Tensor relu() { return Elementwise.relu(this); }
    public Tensor gelu() { return Elementwise.gelu(this); }
    public Tensor clamp(double min, double max) { return Elementwise.clamp(this, min, max); }
    public Tensor minimum(Tensor o) { return Elementwise.minimum(this, o); }
    public Tensor maximum(Tensor o) { return Elementwise.maximum(this, o); }
    public Tensor maskedFill(Tensor mask, double fill) { return Elementwise.maskedFill(this, mask, fill); }
    public static Tensor where(Tensor condition, Tensor ifTrue, Tensor ifFalse) { return Elementwise.where(condition, ifTrue, ifFalse); }
    public Tensor to(DType type) { return Elementwise.cast(this, type); }

    public Tensor matmul(Tensor o) { return MatMul.matmul(this, o); }
    /** {@code this (..., K) @ weight (K, N) + bias (N)}, the bias added by the matrix product itself. */
    public Tensor linear(Tensor weight, Tensor bias) { return MatMul.linear(this, weight, bias); }

    public Tensor reshape(long... shape) { return ShapeOps.reshape(this, shape); }
    public Tensor transpose(int dim0, int dim1) { return ShapeOps.transpose(this, dim0, dim1); }
    public Tensor permute(int... dims) { return ShapeOps.permute(this, dims); }
    public Tensor narrow(int dim, long start, long length) { return ShapeOps.narrow(this, dim, start, length); }
    public static Tensor concat(int dim, Tensor... parts) { return ShapeOps.concat(dim, parts); }

    public Tensor gatherLast(Tensor index) { return Indexing.gatherLast(this, index); }
    public static Tensor embedding(Tensor weight, Tensor ids) { return Indexing.embedding(weight, ids); }

    public Tensor sum() { return Reductions.sumAll(this); }
    public Tensor mean() { return Reductions.meanAll(this); }
    public Tensor sum(int dim, boolean keepDim) { return Reductions.sum(this, keepDim, dim); }
    public Tensor mean(int dim, boolean keepDim) { return Reductions.mean(this, keepDim, dim); }
    public Tensor max(int dim, boolean keepDim) { return Reductions.max(this, keepDim, dim); }
    public Tensor sum(boolean keepDim, int... dims) { return Reductions.sum(this, keepDim, dims); }
    public Tensor mean(boolean keepDim, int... dims) { return Reductions.mean(this, keepDim, dims); }
    public Tensor logSumExp(int dim, boolean keepDim) { return Softmax.logSumExp(this, dim, keepDim); }
    /**
     * {@code dropout(softmax(q k^T / sqrt(hs) + bias)) v} for q (B, nh, T, hs), k and v (B, nh, Tk, hs); {@code bias}
     * broadcastable to (B, nh, T, Tk) or null; {@code random} may be null when {@code dropoutP} is 0.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor bias, double dropoutP, TensorRandom random) {
        return Attention.scaledDotProduct(q, k, v, bias, dropoutP, random);
    }

    /**
     * Attention of new positions over a KV cache ({@code flash_attn_with_kvcache}): writes the keys and values of
     * {@code qkv} (B, T, 3C, queries | keys | values) into rows [past, past + T) of the caches (B, nh, capacity,
     * hs), attends the queries over rows [0, past + T) with {@code bias} (broadcastable to (B, nh, T, past + T),
     * or null), and returns the heads merged, (B, T, C).
     */
    public static Tensor attentionWithKvCache(Tensor qkv, Tensor keyCache, Tensor valueCache, int past, int heads, Tensor bias) {
        return Attention.withKvCache(qkv, keyCache, valueCache, past, heads, bias);
    }

    public Tensor softmax(int dim) { return Softmax.softmax(this, dim); }
    public Tensor logSoftmax(int dim) { return Softmax.logSoftmax(this, dim); }

    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) { return LayerNorm.apply(this, weight, bias, eps); }
    public Tensor crossEntropy(Tensor targets, long ignoreIndex) { return CrossEntropy.apply(this, targets, ignoreIndex); }
    public Tensor dropout(double p, TensorRandom random) { return Dropout.apply(this, p, random); }
}
