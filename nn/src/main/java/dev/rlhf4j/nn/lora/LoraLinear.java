package dev.rlhf4j.nn.lora;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.Parameters;
import java.util.Map;

/**
 * LoRA on one linear layer, PEFT's {@code lora.Linear}: the frozen layer {@code base} plus a trainable low-rank
 * update,
 * <pre>
 *   y = base(x) + scaling * dropout(x) A^T B^T        A (r, in), B (out, r), scaling = alpha / r
 * </pre>
 * so the weight moves by {@code scaling * B A} ((out, in); transposed to (in, out) for GPT-2's Conv1D, which PEFT
 * calls {@code fan_in_fan_out}). A starts random and B at zero, so a fresh adapter leaves the layer's output
 * unchanged. The update rides on {@link Linear}'s adapter hook: the blocks that call the layer do not change.
 *
 * <p>States: enabled (the update is added), disabled (the base layer exactly), merged (the update is folded into
 * the base weight, {@code W += scaling * (B A)^T}, and not added again; unmerging subtracts it).
 *
 * <p>Legend: in, out the layer's widths, r the rank.
 */
public final class LoraLinear implements Module, Linear.Adapter {
    private final Linear base;
    private final Tensor loraA;                  // (r, in)
    private final Tensor loraB;                  // (out, r)
    private final double scaling;
    private final double dropout;
    private boolean enabled = true;
    private boolean merged;
    private TensorRandom random;                 // dropout source in training mode, null in eval mode

    private LoraLinear(Linear base, int r, double scaling, double dropout) {
        DType type = factorType(base.weight().dtype());
        this.base = base;
        this.loraA = Parameters.create(base.name() + ".lora_A.weight", type, r, base.in());
        this.loraB = Parameters.create(base.name() + ".lora_B.weight", type, base.out(), r);
        this.scaling = scaling;
        this.dropout = dropout;
    }

    /**
     * Attaches a rank-{@code r} adapter to {@code base} with both factors zero (fill them with {@link #initialize}
     * or from a file). The base layer's own parameters are left as they are; {@link LoraModel} freezes them.
     */
    public static LoraLinear wrap(Linear base, int r, double scaling, double dropout) {
        if (r <= 0) {
            throw new IllegalArgumentException("LoraLinear '" + base.name() + "': rank must be positive, got " + r);
        }
        LoraLinear lora = new LoraLinear(base, r, scaling, dropout);
        base.attach(lora);
        return lora;
    }

    /**
     * The factors' type: the base weight's, except that half-precision layers get float32 factors (PEFT's
     * {@code autocast_adapter_dtype}), so that small updates are not lost to bfloat16 rounding.
     */
    static DType factorType(DType weightType) {
        return weightType.isHalf() ? DType.FLOAT32 : weightType;
    }

    /**
     * PEFT's initialisation: A from {@code torch.nn.Linear}'s default, Kaiming-uniform with {@code a = sqrt(5)},
     * i.e. U(-1/sqrt(in), 1/sqrt(in)); B zero.
     */
    public void initialize(TensorRandom init) {
        double bound = 1.0 / Math.sqrt(base.in());
        try (Arena scratch = Arena.open(); NoGrad ng = NoGrad.enter()) {
            loraA.assign(init.uniform(loraA.dtype(), -bound, bound, loraA.shape()));
            loraB.fill(0.0);
        }
    }

    /** The base layer's output {@code y} (..., out) plus the update for the input {@code x} (..., in). */
    @Override
    public Tensor adapt(Tensor x, Tensor y) {
        if (!enabled || merged) {
            return y;
        }
        Tensor h = random != null && dropout > 0 ? x.dropout(dropout, random) : x;     // (..., in)
        Tensor down = h.matmul(loraA.transpose(0, 1));                                  // (..., r)
        Tensor up = down.matmul(loraB.transpose(0, 1));                                 // (..., out)
        return y.add(up.mul(scaling));                                                  // (..., out)
    }

    /** {@code base(x)} with the update: the wrapped layer's forward. (..., in) to (..., out). */
    public Tensor forward(Tensor x) {
        return base.forward(x);
    }

    /**
     * The update of the base weight in its own layout, {@code scaling * B A}: (in, out) for Conv1D (transposed),
     * (out, in) for {@code torch.nn.Linear}. Recorded nowhere; owned by the open arena, if any.
     */
    public Tensor deltaWeight() {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor ba = loraB.matmul(loraA);                                            // (out, in)
            Tensor laid = base.layout() == Linear.Layout.CONV1D ? ba.transpose(0, 1) : ba;
            return laid.mul(scaling);                                                   // base weight's shape
        }
    }

    /** Folds the update into the base weight ({@code W += delta}); forward then adds nothing. No-op if merged. */
    public void merge() {
        if (!merged) {
            addDelta(1.0);
            merged = true;
        }
    }

    /** Takes the update out of the base weight again ({@code W -= delta}); exact up to rounding. No-op if not merged. */
    public void unmerge() {
        if (merged) {
            addDelta(-1.0);
            merged = false;
        }
    }

    private void addDelta(double sign) {
        Tensor w = base.weight();
        try (Arena scratch = Arena.open(); NoGrad ng = NoGrad.enter()) {
            w.addInPlace(deltaWeight().to(w.dtype()), sign);
        }
    }

    /** Adds the update again (after {@link #disable}). */
    public void enable() {
        enabled = true;
    }

    /** The base layer exactly: a merged update is taken out first, as PEFT's {@code disable_adapter()}. */
    public void disable() {
        unmerge();
        enabled = false;
    }

    public boolean isEnabled() {
        return enabled;
    }

    public boolean isMerged() {
        return merged;
    }

    /** Training mode: dropout on the adapter's input, drawn from {@code random}. */
    public void train(TensorRandom dropoutRandom) {
        this.random = dropoutRandom;
    }

    /** Eval mode: no dropout. */
    public void eval() {
        this.random = null;
    }

    /**
     * Removes the adapter from the base layer and frees its factors. With {@code keepUpdate} the update stays in
     * the weight (PEFT's {@code merge_and_unload}); without, the base layer is restored (PEFT's {@code unload}).
     */
    public void remove(boolean keepUpdate) {
        if (keepUpdate) {
            merge();
        } else {
            unmerge();
        }
        base.detach();
        release();
    }

    public Linear base() {
        return base;
    }

    /** (r, in). */
    public Tensor loraA() {
        return loraA;
    }

    /** (out, r). */
    public Tensor loraB() {
        return loraB;
    }

    public int rank() {
        return (int) loraA.size(0);
    }

    public double scaling() {
        return scaling;
    }

    /** {@code <module>.lora_A.weight} and {@code <module>.lora_B.weight}: PEFT's file names without {@code base_model.model.}. */
    @Override
    public void collectParameters(Map<String, Tensor> out) {
        out.put(loraA.name(), loraA);
        out.put(loraB.name(), loraB);
    }
}
