package dev.rlhf4j.rlhf.memory;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The models each post-training algorithm keeps in memory, as in the seeds' computation flow of PPO: the actor
 * (policy) trained, the critic trained, the reward model frozen, the reference frozen.
 *
 * <ul>
 *   <li>PPO (Schulman et al. 2017; Ouyang et al. 2022): all four; the actor generates the rollouts.</li>
 *   <li>GRPO (Shao et al. 2024) and RLOO (Ahmadian et al. 2024): no critic, the baseline comes from the other
 *       samples of the same prompt; the actor generates.</li>
 *   <li>DPO (Rafailov et al. 2023): policy and reference on fixed preference pairs; no reward model, no critic, no
 *       generation. A batch of B pairs is 2B sequences (chosen and rejected) in one forward.</li>
 *   <li>SFT: the policy alone, on fixed demonstrations.</li>
 * </ul>
 */
public enum Algorithm {
    PPO(true, 1, Model.CRITIC, Model.REWARD, Model.REFERENCE),
    GRPO(true, 1, Model.REWARD, Model.REFERENCE),
    RLOO(true, 1, Model.REWARD, Model.REFERENCE),
    DPO(false, 2, Model.REFERENCE),
    SFT(false, 1);

    /** The four models of RLHF, in the table's order. */
    public enum Model {
        ACTOR, CRITIC, REWARD, REFERENCE;

        /** The word the table's row starts with. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

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

    /** Why the algorithm does without {@code model}; for the table's row of a model it lacks. */
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
