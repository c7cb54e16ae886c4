package dev.rlhf4j.nn;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.util.Map;

/**
 * {@code y = x W + b}. The one place that knows weight layouts: GPT-2's {@code Conv1D} stores the weight as
 * (in, out) and is applied as {@code x @ W}; {@code torch.nn.Linear} (the value and score heads) stores
 * (out, in) and is applied as {@code x @ W^T}, a stride swap that goes to BLAS without a copy. Checkpoints
 * are therefore loaded and saved without any transposition.
 *
 * <p>An {@link Adapter} may be attached: its share is added to the output (LoRA's low-rank update), so a model
 * built of these layers gets an adapter without any change to the blocks that call them.
 */
public final class Linear implements Module {
    /** How the weight is laid out in the checkpoint. */
    public enum Layout {
        /** GPT-2 Conv1D: weight (in, out). */
        CONV1D,
        /** torch.nn.Linear: weight (out, in). */
        TORCH_LINEAR
    }

    /** A share added to the layer's output, computed from the same input: LoRA's update. */
    public interface Adapter {
        /** The layer's output {@code y} (..., out) with this adapter's share added, for the input {@code x} (..., in). */
        Tensor adapt(Tensor x, Tensor y);
    }

    private final String name;
    private final Layout layout;
    private final Tensor weight;                 // (in, out) for CONV1D, (out, in) for TORCH_LINEAR
    private final Tensor bias;                   // (out) or null
    private final long in;
    private final long out;
    private Adapter adapter;                     // null: the plain layer

    public Linear(String name, Layout layout, long in, long out, boolean bias, DType type) {
        this.name = name;
        this.layout = layout;
        this.in = in;
        this.out = out;
        this.weight = layout == Layout.CONV1D
                ? Parameters.create(name + ".weight", type, in, out)
                : Parameters.create(name + ".weight", type, out, in);
        this.bias = bias ? Parameters.create(name + ".bias", type, out) : null;
    }

    /** GPT-2's Conv1D (c_attn, c_proj, c_fc), with bias. */
    public static Linear conv1d(String name, long in, long out, DType type) {
        return new Linear(name, Layout.CONV1D, in, out, true, type);
    }

    /** (..., in) to (..., out), the attached adapter's share included. */
    public Tensor forward(Tensor x) {
        Tensor w = layout == Layout.CONV1D ? weight : weight.transpose(0, 1);   // (in, out)
        Tensor y = bias == null ? x.matmul(w) : x.linear(w, bias);              // (..., out)
        return adapter == null ? y : adapter.adapt(x, y);                       // (..., out)
    }

    /** Adds {@code a}'s share to every later output; a layer carries at most one adapter. */
    public void attach(Adapter a) {
        if (adapter != null) {
            throw new IllegalStateException("Linear '" + name + "' already has an adapter; detach it first");
        }
        adapter = a;
    }

    /** Removes the attached adapter, if any: the plain layer again. */
    public void detach() {
        adapter = null;
    }

    public Adapter adapter() {
        return adapter;
    }

    /** The module name in the checkpoint, e.g. {@code transformer.h.0.attn.c_attn} (the weight's name without {@code .weight}). */
    public String name() {
        return name;
    }

    public Layout layout() {
        return layout;
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    public long in() {
        return in;
    }

    public long out() {
        return out;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        out.put(weight.name(), weight);
        if (bias != null) {
            out.put(bias.name(), bias);
        }
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        out.put(name, this);
    }
}
