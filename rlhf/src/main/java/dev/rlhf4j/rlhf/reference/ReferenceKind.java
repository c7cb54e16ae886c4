package dev.rlhf4j.rlhf.reference;

import java.util.Arrays;
import java.util.Optional;

/**
 * The {@code --reference} strategies of {@code ppo}, {@code dpo}, {@code grpo} and {@code rloo}: how the frozen starting
 * policy is held ({@link ReferenceModel} lists them; {@link References#build} builds each). {@code precomputed} (DPO
 * only) caches the log-probs of the data set in the run folder.
 */
public enum ReferenceKind {
    /** A frozen copy of the policy in its own type. */
    FROZEN("frozen"),
    /** The frozen copy stored in bfloat16. */
    BF16("bf16"),
    /** The frozen copy stored in float16. */
    FP16("fp16"),
    /** Weights streamed block by block from {@code --model}'s model.safetensors. */
    OFFLOADED("offloaded"),
    /** The policy with its LoRA adapters off (needs {@code --lora-r}). */
    LORA_DISABLED("lora-disabled"),
    /** Log-probs of the whole data set computed once and cached in the run folder (DPO). */
    PRECOMPUTED("precomputed");

    private final String option;

    ReferenceKind(String option) {
        this.option = option;
    }

    @Override
    public String toString() {
        return option;
    }

    /** The strategy named {@code option} as {@code --reference} writes it ({@code lora-disabled}), if there is one. */
    public static Optional<ReferenceKind> named(String option) {
        return Arrays.stream(values()).filter(k -> k.option.equals(option)).findFirst();
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
     * Refuses {@code precomputed} for a trainer that generates what it scores ({@code trainer} names it in the
     * message): the cached log-probs are of a fixed data set.
     */
    public void requireLive(String trainer) {
        if (this == PRECOMPUTED) {
            throw new IllegalArgumentException("--reference precomputed is for dpo: " + trainer + " scores completions it has just generated");
        }
    }

    /** Whether the reference must exist before the adapters are attached (a copy of the base weights). */
    public boolean copiesPolicy() {
        return this == FROZEN || this == BF16 || this == FP16 || this == PRECOMPUTED;
    }
}
