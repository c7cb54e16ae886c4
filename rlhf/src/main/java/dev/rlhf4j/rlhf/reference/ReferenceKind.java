package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The reference strategies a run chooses from (the {@code --reference} option of {@code ppo}, {@code dpo},
 * {@code grpo} and {@code rloo}), by the names the command line shows, and {@link #create}, the one place a fixed
 * reference is built. {@code precomputed} (DPO only) caches the log-probs of the data set: it is built from a live
 * reference by {@link PrecomputedReference#prepare}.
 */
public enum ReferenceKind {
    /** A frozen copy of the policy in its own type. */
    FROZEN("frozen"),
    /** The frozen copy stored in bfloat16. */
    BF16("bf16"),
    /** The frozen copy stored in float16. */
    FP16("fp16"),
    /** Weights streamed block by block from the model directory's model.safetensors. */
    OFFLOADED("offloaded"),
    /** The policy with its LoRA adapters off (needs LoRA on the policy). */
    LORA_DISABLED("lora-disabled"),
    /** Log-probs of the whole data set computed once and cached in the run folder (DPO). */
    PRECOMPUTED("precomputed");

    private final String option;

    ReferenceKind(String option) {
        this.option = option;
    }

    /** The kind named {@code option} ("frozen", "bf16", ...). */
    public static ReferenceKind of(String option) {
        return Arrays.stream(values()).filter(k -> k.option.equals(option)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("'" + option + "' is not one of " + Arrays.toString(values())));
    }

    /** The name the command line and the run's config.json show. */
    @Override
    public String toString() {
        return option;
    }

    /**
     * Checks the combination with LoRA before any model is built. {@code lora-disabled} needs adapters; the
     * copies are taken before the adapters are attached, so they hold the base model.
     */
    public void check(boolean lora) {
        if (this == LORA_DISABLED && !lora) {
            throw new IllegalArgumentException("--reference lora-disabled needs LoRA adapters on the policy: give --lora-r");
        }
    }

    /**
     * The live reference of {@code policy}, loaded from {@code modelDir}: call before attaching LoRA for the copies,
     * after it (with {@code lora}) for {@code lora-disabled}.
     */
    public ReferenceModel create(CausalLM policy, Path modelDir, LoraModel lora) {
        return switch (this) {
            case FROZEN -> new FrozenCopyReference(policy);
            case BF16 -> HalfPrecisionReference.of(policy, DType.BFLOAT16);
            case FP16 -> HalfPrecisionReference.of(policy, DType.FLOAT16);
            case OFFLOADED -> OffloadedReference.open(modelDir.resolve(AutoModel.WEIGHTS), policy.config(), policy.dtype());
            case LORA_DISABLED -> LoraDisabledReference.of(policy, lora);
            case PRECOMPUTED -> throw new IllegalArgumentException("--reference precomputed is built from a live reference");
        };
    }

    /** Whether the reference must exist before the adapters are attached (a copy of the base weights). */
    public boolean copiesPolicy() {
        return this == FROZEN || this == BF16 || this == FP16 || this == PRECOMPUTED;
    }
}
