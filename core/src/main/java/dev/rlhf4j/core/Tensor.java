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
public final class Tensor implements TensorOps {
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
        if (recording(parents)) {
            out.requiresGrad = true;
            out.parents = parents;
            out.backward = backward;
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

    public static Tensor zeros(DType type, long... shape) { return Conversions.zeros(type, shape); }
    public static Tensor ones(DType type, long... shape) { return Conversions.ones(type, shape); }
    public static Tensor full(double fill, DType type, long... shape) { return Conversions.full(fill, type, shape); }
    public static Tensor scalar(double v, DType type) { return Conversions.scalar(v, type); }
    /** A float32 tensor of the given values in row-major order. */
    public static Tensor of(float[] data, long... shape) { return Conversions.of(data, shape); }
    /** A float64 tensor of the given values in row-major order. */
    public static Tensor of(double[] data, long... shape) { return Conversions.of(data, shape); }
    /** The given values converted to {@code type}. */
    public static Tensor of(double[] data, DType type, long... shape) { return Conversions.of(data, type, shape); }
    /** An int64 tensor, the type of token ids and indices. */
    public static Tensor ofLongs(long[] data, long... shape) { return Conversions.ofLongs(data, shape); }
    /** An int64 tensor of the given ints, the type of token ids and indices. */
    public static Tensor ofInts(int[] data, long... shape) { return Conversions.ofInts(data, shape); }
    /** A tensor of {@code type} read from little-endian bytes (the safetensors layout), copied once buffer to buffer. */
    public static Tensor fromBytes(ByteBuffer bytes, DType type, long... shape) { return Conversions.fromBytes(bytes, type, shape); }
    /** {@code 0, 1, ..., n-1} as int64. */
    public static Tensor arange(long n) { return Conversions.arange(n); }


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


    /** Backpropagates from this one-element tensor (typically a loss). */
    public void backward() {
        Backprop.fromScalar(this);
    }

    /** Backpropagates the given gradient of this tensor. */
    public void backward(Tensor gradient) {
        Backprop.fromGradient(this, gradient);
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


    // ---------------------------------------------------------------- ops of several tensors (the rest: TensorOps)

    public static Tensor where(Tensor condition, Tensor ifTrue, Tensor ifFalse) { return Elementwise.where(condition, ifTrue, ifFalse); }
    public static Tensor concat(int dim, Tensor... parts) { return ShapeOps.concat(dim, parts); }
    public static Tensor embedding(Tensor weight, Tensor ids) { return Indexing.embedding(weight, ids); }
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
}
