package dev.rlhf4j.nn;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.util.Map;

/**
 * {@code y = x W + b}. The one place that knows weight layouts: GPT-2's {@code Conv1D} stores the weight as
 * (in, out) and is applied as {@code x @ W}; {@code torch.nn.Linear} (the value and score heads) stores
 * (out, in) and is applied as {@code x @ W^T}, a stride swap that goes to BLAS without a copy. Checkpoints
 * are therefore loaded and saved without any transposition.
 */
public final class Linear implements Module {
    /** How the weight is laid out in the checkpoint. */
    public enum Layout {
        /** GPT-2 Conv1D: weight (in, out). */
        CONV1D,
        /** torch.nn.Linear: weight (out, in). */
        TORCH_LINEAR
    }

    private final Layout layout;
    private final Tensor weight;                 // (in, out) for CONV1D, (out, in) for TORCH_LINEAR
    private final Tensor bias;                   // (out) or null
    private final long in;
    private final long out;

    public Linear(String name, Layout layout, long in, long out, boolean bias, DType type) {
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

    /** (..., in) to (..., out). */
    public Tensor forward(Tensor x) {
        Tensor w = layout == Layout.CONV1D ? weight : weight.transpose(0, 1);   // (in, out)
        return bias == null ? x.matmul(w) : x.linear(w, bias);                  // (..., out)
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
}
