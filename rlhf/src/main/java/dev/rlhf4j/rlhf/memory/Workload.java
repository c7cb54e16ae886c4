package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.core.DType;

/**
 * What the planner sizes: a model, the algorithm that trains it, the parameter type, how the reference is held and
 * the batch of one step.
 *
 * @param model the sizes of the policy (critic, reward and reference share its trunk)
 * @param algorithm which models exist ({@link Algorithm})
 * @param type the parameter type of every model ({@link Precision#of})
 * @param reference how the reference is held; null for an algorithm without one
 * @param loraRank the rank of the actor's LoRA adapters when {@code reference} is {@link ReferenceStrategy#LORA}, else 0
 * @param batch B: prompts (or pairs for DPO) per step
 * @param seq T: positions per sequence, prompt and response together
 */
public record Workload(ModelShape model, Algorithm algorithm, DType type, ReferenceStrategy reference, int loraRank,
                       int batch, int seq) {

    /** PEFT's default rank. */
    public static final int DEFAULT_LORA_RANK = 8;

    public Workload {
        if (batch <= 0 || seq <= 0) {
            throw new IllegalArgumentException("--batch and --seq must be positive, got " + batch + " and " + seq);
        }
        if (seq > model.positions()) {
            throw new IllegalArgumentException("--seq " + seq + " exceeds " + model.name() + "'s context of "
                    + model.positions() + " positions");
        }
        if (!algorithm.has(Algorithm.Model.REFERENCE) && reference != null) {
            throw new IllegalArgumentException("--reference: " + algorithm.label() + " has no reference model ("
                    + algorithm.whyNo(Algorithm.Model.REFERENCE) + ")");
        }
        if (algorithm.has(Algorithm.Model.REFERENCE) && reference == null) {
            reference = ReferenceStrategy.COPY;
        }
        if (reference == ReferenceStrategy.LORA && loraRank <= 0) {
            throw new IllegalArgumentException("--lora-rank must be positive, got " + loraRank);
        }
        if (reference != ReferenceStrategy.LORA && loraRank != 0) {
            throw new IllegalArgumentException("--lora-rank applies only with --reference lora (the policy trains through"
                    + " adapters and the reference is the policy with them off)");
        }
    }

    /** The byte sizes rlhf4j uses for {@link #type}. */
    public Precision precision() {
        return Precision.of(type);
    }

    /** Sequences per forward of each model: B, or 2B for DPO's chosen and rejected. */
    public int sequences() {
        return batch * algorithm.sequencesPerExample();
    }

    /** Whether the actor trains through LoRA adapters (frozen base). */
    public boolean lora() {
        return reference == ReferenceStrategy.LORA;
    }
}
