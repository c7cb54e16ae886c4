package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import dev.rlhf4j.rlhf.rollout.RolloutSpec;
import java.io.Serializable;

/**
 * How a group trainer (GRPO, RLOO) samples its completions, under TRL's names.
 *
 * @param maxCompletionLength          {@code max_completion_length}: new tokens per completion at most
 * @param temperature                  {@code temperature} of sampling and of every log-prob
 * @param localRolloutForwardBatchSize {@code local_rollout_forward_batch_size}: rows per rollout shard (generated, scored
 *                                     and referenced together; the unit a cluster distributes, fixed so results do not
 *                                     depend on it)
 */
public record Sampling(int maxCompletionLength, double temperature, int localRolloutForwardBatchSize) implements Serializable {

    public Sampling {
        require(maxCompletionLength >= 1, "Sampling", "max_completion_length must be >= 1, got " + maxCompletionLength);
        require(temperature > 0 && Double.isFinite(temperature), "Sampling", "temperature must be positive and finite, got "
                + temperature);
        require(localRolloutForwardBatchSize >= 1, "Sampling", "local_rollout_forward_batch_size must be >= 1, got "
                + localRolloutForwardBatchSize);
    }

    /** TRL's defaults: 256 new tokens at temperature 1. */
    public static Sampling trl() {
        return new Sampling(256, 1.0, RolloutSpec.TRL_SHARD_SIZE);
    }
}
