package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.HalfPrecisionReference;
import dev.rlhf4j.rlhf.reference.LoraDisabledReference;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * The {@code --reference} strategies of {@code ppo} and {@code dpo} (see {@code rlhf.reference}): how the frozen
 * starting policy is held. {@code precomputed} (DPO only) caches the log-probs of the data set in the run folder.
 */
enum ReferenceKind {
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

    /**
     * Checks the combination with LoRA before any model is built. {@code lora-disabled} needs adapters; the
     * copies are taken before the adapters are attached, so they hold the base model.
     */
    void check(boolean lora) {
        if (this == LORA_DISABLED && !lora) {
            throw new IllegalArgumentException("--reference lora-disabled needs LoRA adapters on the policy: give --lora-r");
        }
    }

    /**
     * The live reference of {@code policy}, loaded from {@code modelDir}: call before attaching LoRA for the copies,
     * after it (with {@code lora}) for {@code lora-disabled}.
     */
    ReferenceModel create(CausalLM policy, Path modelDir, LoraModel lora) {
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
    boolean copiesPolicy() {
        return this == FROZEN || this == BF16 || this == FP16 || this == PRECOMPUTED;
    }

    /** Reads the names shown in {@code --help}; the error lists them. */
    static final class Converter implements CommandLine.ITypeConverter<ReferenceKind> {
        @Override
        public ReferenceKind convert(String value) {
            return Arrays.stream(values()).filter(k -> k.option.equals(value)).findFirst().orElseThrow(() ->
                    new CommandLine.TypeConversionException("'" + value + "' is not one of " + Arrays.toString(values())));
        }
    }
}
