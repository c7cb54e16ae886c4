package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.core.DType;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the planner sizes: a model, the algorithm that trains it (and so which of the four models of RLHF exist),
 * the parameter type, how the reference is held and the batch of one step.
 *
 * @param model the sizes of the policy (critic, reward and reference share its trunk)
 * @param algorithm which models exist ({@link Algorithm})
 * @param type the parameter type of every model ({@link MemoryPlanner.Precision#of})
 * @param reference how the reference is held; null for an algorithm without one (then {@link Reference#COPY} when it has one)
 * @param loraRank the rank of the actor's LoRA adapters when {@code reference} is {@link Reference#LORA}, else 0
 * @param batch B: prompts (or pairs for DPO) per step
 * @param seq T: positions per sequence, prompt and response together
 */
public record Workload(ModelShape model, Algorithm algorithm, DType type, Reference reference, int loraRank,
                       int batch, int seq) {

    /** PEFT's default rank. */
    public static final int DEFAULT_LORA_RANK = 8;

    /** The four models of RLHF, in the table's order. */
    public enum Model {
        ACTOR, CRITIC, REWARD, REFERENCE;

        /** The word the table's row starts with. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The models each post-training algorithm keeps in memory, as in the seeds' computation flow of PPO: the actor
     * (policy) trained, the critic trained, the reward model frozen, the reference frozen.
     * <ul>
     *   <li>PPO (Schulman et al. 2017; Ouyang et al. 2022): all four; the actor generates the rollouts.</li>
     *   <li>GRPO (Shao et al. 2024) and RLOO (Ahmadian et al. 2024): no critic, the baseline comes from the other
     *       samples of the same prompt; the actor generates.</li>
     *   <li>DPO (Rafailov et al. 2023): policy and reference on fixed preference pairs; no reward model, no critic,
     *       no generation. A batch of B pairs is 2B sequences (chosen and rejected) in one forward.</li>
     *   <li>SFT: the policy alone, on fixed demonstrations.</li>
     * </ul>
     */
    public enum Algorithm {
        PPO(true, 1, Model.CRITIC, Model.REWARD, Model.REFERENCE),
        GRPO(true, 1, Model.REWARD, Model.REFERENCE),
        RLOO(true, 1, Model.REWARD, Model.REFERENCE),
        DPO(false, 2, Model.REFERENCE),
        SFT(false, 1);

        private final boolean generates;
        private final int sequencesPerExample;
        private final Set<Model> models = EnumSet.of(Model.ACTOR);

        Algorithm(boolean generates, int sequencesPerExample, Model... others) {
            this.generates = generates;
            this.sequencesPerExample = sequencesPerExample;
            models.addAll(Set.of(others));
        }

        /** Parses {@code ppo}, {@code grpo}, {@code rloo}, {@code dpo}, {@code sft}; the error names them. */
        public static Algorithm parse(String name) {
            for (Algorithm a : values()) {
                if (a.name().equalsIgnoreCase(name)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("--algo: unknown algorithm '" + name + "' (expected ppo, grpo, rloo, dpo or sft)");
        }

        /** Whether the algorithm keeps {@code model} in memory. */
        public boolean has(Model model) {
            return models.contains(model);
        }

        /** Why the algorithm does without {@code model}; for the table's note on a model it lacks. */
        public String whyNo(Model model) {
            if (has(model)) {
                throw new IllegalArgumentException(label() + " has a " + model.label());
            }
            return switch (model) {
                case ACTOR -> throw new IllegalStateException("every algorithm trains an actor");
                case CRITIC -> switch (this) {
                    case GRPO -> "baseline: the mean reward of the prompt's group";
                    case RLOO -> "baseline: the mean reward of the prompt's other samples";
                    default -> "no value function";
                };
                case REWARD -> this == DPO ? "learns from preference pairs directly" : "learns from demonstrations";
                case REFERENCE -> "no KL penalty";
            };
        }

        /** Whether the actor generates its training data (rollouts), so that a KV cache is allocated. */
        public boolean generates() {
            return generates;
        }

        /** How many sequences one example of the batch puts through each model: 2 for DPO's pairs, else 1. */
        public int sequencesPerExample() {
            return sequencesPerExample;
        }

        /** The command line's name. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How the reference model of the KL penalty is held, and so what its row counts (the strategies of
     * {@code dev.rlhf4j.rlhf.reference}):
     * <ul>
     *   <li>{@link #COPY}: a frozen copy of the policy, every weight in the parameter type.</li>
     *   <li>{@link #HALF}: the copy stored in bfloat16 or float16, 2 bytes a weight (half of float32; the same as
     *       the copy when the policy is already 16-bit).</li>
     *   <li>{@link #OFFLOADED}: the weights stay in a memory-mapped file (on a GPU: in host memory) and each pass
     *       brings one piece at a time: resident is the largest piece, a block, the embeddings or the LM head.</li>
     *   <li>{@link #LORA}: the policy trains through LoRA adapters and the reference is the same model with its
     *       adapters switched off: no weight of its own; the actor's gradients and moments cover only the adapters.</li>
     *   <li>{@link #PRECOMPUTED}: the reference log-probs of the data computed once before training; no model in
     *       memory, only the batch's cached log-probs, one float32 per token (B T 4 bytes, shown as its weights).</li>
     * </ul>
     */
    public enum Reference {
        COPY("frozen copy"),
        HALF("half-precision copy"),
        OFFLOADED("offloaded, one piece resident"),
        LORA("policy with adapters off"),
        PRECOMPUTED("precomputed log-probs");

        private final String description;

        Reference(String description) {
            this.description = description;
        }

        /** Parses {@code copy}, {@code half}, {@code offloaded}, {@code lora}, {@code precomputed}; the error names them. */
        public static Reference parse(String name) {
            for (Reference s : values()) {
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
    }

    public Workload {
        if (batch <= 0 || seq <= 0) {
            throw new IllegalArgumentException("--batch and --seq must be positive, got " + batch + " and " + seq);
        }
        if (seq > model.positions()) {
            throw new IllegalArgumentException("--seq " + seq + " exceeds " + model.name() + "'s context of "
                    + model.positions() + " positions");
        }
        if (!algorithm.has(Model.REFERENCE) && reference != null) {
            throw new IllegalArgumentException("--reference: " + algorithm.label() + " has no reference model ("
                    + algorithm.whyNo(Model.REFERENCE) + ")");
        }
        if (algorithm.has(Model.REFERENCE) && reference == null) {
            reference = Reference.COPY;
        }
        if (reference == Reference.LORA && loraRank <= 0) {
            throw new IllegalArgumentException("--lora-rank must be positive, got " + loraRank);
        }
        if (reference != Reference.LORA && loraRank != 0) {
            throw new IllegalArgumentException("--lora-rank applies only with --reference lora (the policy trains through"
                    + " adapters and the reference is the policy with them off)");
        }
    }

    /**
     * The workload of the {@code memory} command's words, read in the order its errors are reported: the reference,
     * the model, the algorithm, the type; {@code loraRank} null means {@link #DEFAULT_LORA_RANK} with the lora reference.
     */
    public static Workload parse(Supplier<ModelShape> model, String algorithm, String dtype, String reference,
                                 Integer loraRank, int batch, int seq) {
        Reference strategy = reference == null ? null : Reference.parse(reference);
        int rank = loraRank != null ? loraRank : strategy == Reference.LORA ? DEFAULT_LORA_RANK : 0;
        return new Workload(model.get(), Algorithm.parse(algorithm), MemoryPlanner.Precision.parseType(dtype),
                strategy, rank, batch, seq);
    }

    /** The byte sizes rlhf4j uses for {@link #type}. */
    public MemoryPlanner.Precision precision() {
        return MemoryPlanner.Precision.of(type);
    }

    /** Sequences per forward of each model: B, or 2B for DPO's chosen and rejected. */
    public int sequences() {
        return batch * algorithm.sequencesPerExample();
    }

    /** Whether the actor trains through LoRA adapters (frozen base). */
    public boolean lora() {
        return reference == Reference.LORA;
    }
}
