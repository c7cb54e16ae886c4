package dev.rlhf4j.rlhf.rollout;

import java.io.Serializable;

/**
 * One row of an iteration's rollout: a prompt to complete once. Its random stream is a function of the run's seed, the
 * step, {@code promptIndex} and {@code generation} ({@link RolloutSpec#rowSeed}), so the row samples the same
 * completion whichever shard, partition or executor it lands in.
 *
 * @param promptIndex the prompt's index in the data set
 * @param generation  which of the prompt's completions this is (0 to num_generations - 1; PPO: 0)
 * @param prompt      the prompt's tokens
 */
public record RolloutRow(int promptIndex, int generation, int[] prompt) implements Serializable {
    private static final long serialVersionUID = 1L;

    public RolloutRow {
        if (promptIndex < 0 || generation < 0 || prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("RolloutRow: prompt " + promptIndex + ", generation " + generation
                    + " needs a non-negative index and at least one prompt token");
        }
    }
}
