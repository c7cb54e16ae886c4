package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import java.nio.file.Path;

/** The one factory of the {@link ReferenceKind} strategies: the live reference of a policy. */
public final class References {
    private References() {
    }

    /**
     * The live reference of {@code policy}, loaded from {@code modelDir}: call before attaching LoRA for the copies,
     * after it (with {@code lora}) for {@code lora-disabled}. {@code precomputed} is built by its trainer from a live one.
     */
    public static ReferenceModel build(ReferenceKind kind, CausalLM policy, Path modelDir, LoraModel lora) {
        return switch (kind) {
            case FROZEN -> new FrozenCopyReference(policy);
            case BF16 -> HalfPrecisionReference.of(policy, DType.BFLOAT16);
            case FP16 -> HalfPrecisionReference.of(policy, DType.FLOAT16);
            case OFFLOADED -> OffloadedReference.open(modelDir.resolve(AutoModel.WEIGHTS), policy.config(), policy.dtype());
            case LORA_DISABLED -> LoraDisabledReference.of(policy, lora);
            case PRECOMPUTED -> throw new IllegalArgumentException("--reference precomputed is built from a live reference");
        };
    }
}
