package dev.rlhf4j.rlhf.rollout;

import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import java.io.Serializable;

/**
 * What a shard of rollouts does, the same on the driver and on every executor: sample at most {@code maxNewTokens}
 * at {@code temperature}, stop after {@code stopTokenId} (-1: never), pad with {@code eosId}, score with every reward
 * and, if {@code reference}, take the reference's log-probs at the temperature. The rows are cut into shards of
 * {@code shardSize} (TRL's {@code local_rollout_forward_batch_size}), a number of the config and never of the cluster,
 * so every padded batch, and so every floating-point sum, is the same however the shards are spread.
 *
 * @param seed the run's seed, from which {@link #rowSeed} draws each row's random stream
 */
public record RolloutSpec(int maxNewTokens, double temperature, int stopTokenId, int eosId, long seed, boolean reference,
                          int shardSize) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** TRL's default {@code local_rollout_forward_batch_size}. */
    public static final int TRL_SHARD_SIZE = 64;

    public RolloutSpec {
        if (maxNewTokens < 1 || !(temperature > 0) || shardSize < 1) {
            throw new IllegalArgumentException("RolloutSpec: max new tokens " + maxNewTokens + ", temperature " + temperature
                    + " and local_rollout_forward_batch_size " + shardSize + " must be positive");
        }
    }

    /** Sampling with the KV cache; the config's own seed is unused (each row has its {@link #rowSeed}). */
    public GenerationConfig generation() {
        return new GenerationConfig(maxNewTokens, true, temperature, 0, 1.0, stopTokenId, eosId, seed, true);
    }

    /**
     * The seed of a row's random stream: a fixed function of (seed, step, prompt index, generation), mixed by
     * MurMur3's 64-bit finaliser so that neighbouring rows draw unrelated streams.
     */
    public long rowSeed(long step, int promptIndex, int generation) {
        long h = TrainingPlan.stepSeed(seed, step);
        h = mix(h + 0x9E3779B97F4A7C15L * (promptIndex + 1L));
        return mix(h + 0xC2B2AE3D27D4EB4FL * (generation + 1L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
