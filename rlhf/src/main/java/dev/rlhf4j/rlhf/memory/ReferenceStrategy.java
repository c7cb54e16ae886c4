package dev.rlhf4j.rlhf.memory;

import java.util.Locale;

/**
 * How the reference model of the KL penalty is held, and so what its row of the table counts (issue 12's
 * strategies of {@code dev.rlhf4j.rlhf.reference}):
 * <ul>
 *   <li>{@link #COPY}: a frozen copy of the policy, every weight in the parameter type.</li>
 *   <li>{@link #HALF}: the copy stored in bfloat16 or float16, 2 bytes a weight (half of float32; the same as the
 *       copy when the policy is already 16-bit).</li>
 *   <li>{@link #OFFLOADED}: the weights stay in a memory-mapped file (on a GPU: in host memory) and each pass brings
 *       one piece at a time: resident is the largest piece, a block, the embeddings or the LM head.</li>
 *   <li>{@link #LORA}: the policy trains through LoRA adapters and the reference is the same model with its adapters
 *       switched off: no weight of its own; the actor's gradients and moments cover only the adapters.</li>
 *   <li>{@link #PRECOMPUTED}: the reference log-probs of the data computed once before training; no model in
 *       memory, only the batch's cached log-probs, one float32 per token (B T 4 bytes, shown as its weights).</li>
 * </ul>
 */
public enum ReferenceStrategy {
    COPY("frozen copy"),
    HALF("half-precision copy"),
    OFFLOADED("offloaded, one piece resident"),
    LORA("policy with adapters off"),
    PRECOMPUTED("precomputed log-probs");

    private final String description;

    ReferenceStrategy(String description) {
        this.description = description;
    }

    /** Parses {@code copy}, {@code half}, {@code offloaded}, {@code lora}, {@code precomputed}; the error names them. */
    public static ReferenceStrategy parse(String name) {
        for (ReferenceStrategy s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--reference: unknown strategy '" + name
                + "' (expected copy, half, offloaded, lora or precomputed)");
    }

    /** A few words for the table's reference row. */
    public String description() {
        return description;
    }

    /** The command line's name. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
