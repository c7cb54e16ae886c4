package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import java.io.Serializable;

/**
 * How an executor rebuilds the driver's policy before any trained weights arrive: the model's configuration (of any
 * family) and the type its weights are held in and, for a policy trained through LoRA, the adapters' configuration
 * and the frozen base weights, sent once per run. The trained tensors (every weight, or the adapters' factors)
 * arrive with each step's snapshot.
 *
 * @param base the policy's parameters with the adapters attached (the names they have then), or null without LoRA
 */
public record PolicyRecipe(ModelConfig config, DType type, LoraConfig lora, TensorSnapshot base) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The recipe of {@code policy}, trained through {@code lora} when not null. */
    public static PolicyRecipe of(CausalLM policy, LoraModel lora) {
        return lora == null ? new PolicyRecipe(policy.config(), policy.dtype(), null, null)
                : new PolicyRecipe(policy.config(), policy.dtype(), lora.config(), TensorSnapshot.of(0, policy.namedParameters()));
    }

    /** A policy of this shape; its weights are whatever the constructor gives until a snapshot is copied in. */
    public CausalLM policy() {
        return AutoModel.create(config, type);
    }

    /**
     * The adapters of {@link #lora} attached to {@code policy} (their factors overwritten by the first snapshot), and
     * the base weights copied in; null without LoRA.
     */
    public LoraModel attach(CausalLM policy) {
        if (lora == null) {
            return null;
        }
        LoraModel adapters = LoraModel.create(policy, lora, new TensorRandom(0));
        base.copyInto(policy.namedParameters(), "the executor's policy (base weights)");
        return adapters;
    }

    /** Bytes of the frozen base weights (0 without LoRA). */
    public long bytes() {
        return base == null ? 0 : base.bytes();
    }
}
