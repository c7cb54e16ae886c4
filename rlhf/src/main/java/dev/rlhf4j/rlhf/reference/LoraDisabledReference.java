package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference of a policy trained through LoRA adapters: the policy itself with its adapters switched off, since
 * {@code W x + (alpha / r) B A x} with the adapters off is the frozen base model {@code W x} (TRL's
 * {@code null_ref_context}, PEFT's {@code disable_adapter()}). No second copy of any weight: it holds nothing.
 *
 * <p>It stays the reference only while the base weights stay frozen, so it is given those weights (every
 * parameter but the adapter factors) and {@link #verifyFrozen} holds them to a SHA-256 seal taken at creation.
 * The pass runs the policy as it is: dropout must be off in it (TRL's {@code disable_dropout}), or the reference
 * log-probs are noisy.
 */
public final class LoraDisabledReference implements ReferenceModel {
    private final LogitsModel policy;
    private final AdapterSwitch adapters;
    private final Map<String, Tensor> baseWeights;
    private final FrozenCheck check;

    /**
     * @param policy      the LoRA policy's logits, e.g. {@code lora::forward}
     * @param adapters    switches the policy's adapters off for the reference pass
     * @param baseWeights the policy's base (non-adapter) parameters by name; they must be frozen
     */
    public LoraDisabledReference(LogitsModel policy, AdapterSwitch adapters, Map<String, Tensor> baseWeights) {
        this.policy = policy;
        this.adapters = adapters;
        this.baseWeights = Collections.unmodifiableMap(new LinkedHashMap<>(baseWeights));
        this.baseWeights.forEach((name, t) -> {
            if (t.requiresGrad()) {
                throw new IllegalArgumentException("LoraDisabledReference: base parameter '" + name + "' requires grad; with"
                        + " LoRA only the adapter factors train, and the base must be frozen to serve as the reference");
            }
        });
        this.check = FrozenCheck.seal("LoraDisabledReference", this.baseWeights::forEach);
    }

    /**
     * The reference of {@code model} trained through {@code lora} (attached to it by {@code LoraModel.create} or
     * {@code load}): the model with its adapters off, sealed over its base weights. Disabled, a LoRA layer computes
     * the base layer exactly, so the reference pass is the base model bit for bit.
     */
    public static LoraDisabledReference of(CausalLM model, LoraModel lora) {
        return new LoraDisabledReference(model::forward, AdapterSwitch.of(lora::isEnabled, lora::disable, lora::enable),
                model.namedParameters());
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return logProbs(batch, completionMask, 1.0);
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        try (AdapterSwitch.Scope off = adapters.disable()) {
            return policy.referenceLogProbs(batch, completionMask, temperature);
        }
    }

    /** Nothing travels: an executor switches off its own replica's adapters. */
    @Override
    public ReferenceRecipe recipe() {
        return (policy, lora) -> {
            if (lora == null) {
                throw new IllegalArgumentException("LoraDisabledReference: the replica's policy has no LoRA adapters to switch off");
            }
            return of(policy, lora);
        };
    }

    @Override
    public void verifyFrozen() {
        check.verify(baseWeights::forEach);
    }

    /** Nothing: the reference is the policy's own base weights. */
    @Override
    public long heldBytes() {
        return 0;
    }

    /** Nothing to free: the weights belong to the policy. */
    @Override
    public void close() {
    }
}
