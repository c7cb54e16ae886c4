package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.Map;

/**
 * A stand-in for nn's LoRA model until it lands: a frozen base and, beside it, the base plus a trainable delta (the
 * "adapted" model). With adapters on, logits come from the adapted model; off, from the base: exactly what a LoRA
 * model must do ({@code W x + s B A x} on, {@code W x} off), without low-rank factors.
 */
final class FakeLora implements LogitsModel {
    final Gpt2LMHeadModel base;
    final Gpt2LMHeadModel adapted;
    private boolean enabled = true;
    int switches;

    FakeLora(Gpt2LMHeadModel base) {
        this.base = base;
        base.freeze();
        this.adapted = base.deepCopy();
    }

    @Override
    public Tensor logits(PaddedBatch batch) {
        return (enabled ? adapted : base).forward(batch);
    }

    boolean adaptersEnabled() {
        return enabled;
    }

    void disableAdapters() {
        enabled = false;
        switches++;
    }

    void enableAdapters() {
        enabled = true;
        switches++;
    }

    AdapterSwitch adapterSwitch() {
        return AdapterSwitch.of(this::adaptersEnabled, this::disableAdapters, this::enableAdapters);
    }

    Map<String, Tensor> baseWeights() {
        return base.namedParameters();
    }

    void release() {
        base.release();
        adapted.release();
    }
}
