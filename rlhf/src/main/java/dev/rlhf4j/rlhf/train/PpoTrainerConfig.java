package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.rlhf.kl.KlEstimator;
import dev.rlhf4j.rlhf.ppo.PpoConfig;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;

/**
 * The hyper-parameters of {@link PpoTrainer}, under the names of TRL's {@code PPOConfig} (and the
 * {@code TrainingArguments} it extends), in camelCase. One iteration samples
 * {@code batchSize = perDeviceTrainBatchSize * gradientAccumulationSteps * numMiniBatches} prompts, and trains
 * {@code numPpoEpochs} times over {@code numMiniBatches} minibatches of them, one optimizer step per minibatch.
 *
 * @param learningRate              {@code learning_rate}, decayed linearly to 0 over the iterations (TRL's default schedule)
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: rows of one forward/backward (micro-batch)
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: micro-batches per minibatch
 * @param numMiniBatches            {@code num_mini_batches}
 * @param numPpoEpochs              {@code num_ppo_epochs}
 * @param totalEpisodes             {@code total_episodes}; null: {@code numTrainEpochs} passes over the prompts
 * @param numTrainEpochs            {@code num_train_epochs}, used when {@code totalEpisodes} is null
 * @param maxSteps                  {@code max_steps}: at most this many iterations; -1 for no limit
 * @param responseLength            {@code response_length}: new tokens per completion at most
 * @param temperature               {@code temperature} of sampling, and of every log-prob PPO computes
 * @param stopTokenId               {@code stop_token_id}: completions end after it; null to run to responseLength
 * @param missingEosPenalty         {@code missing_eos_penalty}: subtracted from the score of a completion without EOS;
 *                                  null for none
 * @param klCoef                    {@code kl_coef}: beta of the KL penalty (the start value when adaptive)
 * @param klEstimator               {@code kl_estimator}: k1 (TRL's default) or another of {@link KlEstimator}
 * @param adaptiveKlTarget          target of the adaptive KL controller (legacy TRL's {@code target}); null: fixed beta
 * @param adaptiveKlHorizon         its {@code horizon} in episodes
 * @param targetKl                  stop the PPO epochs early once a minibatch's approx KL exceeds 1.5 x this (legacy
 *                                  TRL's {@code target_kl} with {@code early_stopping}); null: never
 * @param cliprange                 {@code cliprange} of the policy ratio
 * @param cliprangeValue            {@code cliprange_value} of the value
 * @param vfCoef                    {@code vf_coef}
 * @param gamma                     {@code gamma}
 * @param lam                       {@code lam}
 * @param whitenRewards             {@code whiten_rewards}
 * @param maxGradNorm               {@code max_grad_norm}; null: no clipping. TRL's {@code TrainingArguments} carry 1.0, but
 *                                  its PPO loop steps the optimizer without clipping, so {@link #trlDefaults} has none.
 * @param weightDecay               {@code weight_decay} of AdamW (betas 0.9 / 0.999, eps 1e-8 as torch's)
 * @param seed                      {@code seed}: prompt order, sampling, minibatch shuffles and head initialisation
 * @param maxConsecutiveNonfinite   optimizer steps in a row with a non-finite loss or gradient that stop the run
 *                                  (5; not a TRL field); each such step is skipped ({@link NonFiniteGuard})
 * @param localRolloutForwardBatchSize {@code local_rollout_forward_batch_size}: rows per rollout shard (generated, scored and
 *                                  referenced together; the unit a cluster distributes, fixed so results do not depend on it)
 */
public record PpoTrainerConfig(double learningRate, int perDeviceTrainBatchSize, int gradientAccumulationSteps,
                               int numMiniBatches, int numPpoEpochs, Long totalEpisodes, double numTrainEpochs, long maxSteps,
                               int responseLength, double temperature, Integer stopTokenId, Double missingEosPenalty,
                               double klCoef, KlEstimator klEstimator, Double adaptiveKlTarget, double adaptiveKlHorizon,
                               Double targetKl, double cliprange, double cliprangeValue, double vfCoef, double gamma, double lam,
                               boolean whitenRewards, Double maxGradNorm, double weightDecay, long seed,
                               int maxConsecutiveNonfinite,
        int localRolloutForwardBatchSize) {

    public PpoTrainerConfig {
        require(learningRate >= 0 && Double.isFinite(learningRate), "learning_rate must be >= 0, got " + learningRate);
        require(perDeviceTrainBatchSize >= 1, "per_device_train_batch_size must be >= 1, got " + perDeviceTrainBatchSize);
        require(gradientAccumulationSteps >= 1, "gradient_accumulation_steps must be >= 1, got " + gradientAccumulationSteps);
        require(numMiniBatches >= 1, "num_mini_batches must be >= 1, got " + numMiniBatches);
        require(numPpoEpochs >= 1, "num_ppo_epochs must be >= 1, got " + numPpoEpochs);
        require(totalEpisodes == null || totalEpisodes >= 1, "total_episodes must be >= 1 or unset, got " + totalEpisodes);
        require(numTrainEpochs > 0, "num_train_epochs must be > 0, got " + numTrainEpochs);
        require(maxSteps == -1 || maxSteps >= 1, "max_steps must be -1 (no limit) or >= 1, got " + maxSteps);
        require(responseLength >= 1, "response_length must be >= 1, got " + responseLength);
        require(temperature > 0 && Double.isFinite(temperature), "temperature must be positive and finite, got " + temperature);
        require(stopTokenId == null || stopTokenId >= 0, "stop_token_id must be a token id or unset, got " + stopTokenId);
        require(missingEosPenalty == null || missingEosPenalty >= 0, "missing_eos_penalty must be >= 0 or unset, got " + missingEosPenalty);
        require(klCoef >= 0 && Double.isFinite(klCoef), "kl_coef must be finite and >= 0, got " + klCoef);
        require(klEstimator != null, "kl_estimator must be set (k1, k2 or k3)");
        require(adaptiveKlTarget == null || adaptiveKlTarget > 0, "the adaptive KL target must be > 0 or unset, got " + adaptiveKlTarget);
        require(adaptiveKlHorizon > 0, "the adaptive KL horizon must be > 0, got " + adaptiveKlHorizon);
        require(targetKl == null || targetKl > 0, "target_kl must be > 0 or unset, got " + targetKl);
        require(cliprange > 0 && cliprange < 1, "cliprange must be in (0, 1), got " + cliprange);
        require(cliprangeValue > 0, "cliprange_value must be > 0, got " + cliprangeValue);
        require(vfCoef >= 0, "vf_coef must be >= 0, got " + vfCoef);
        require(gamma >= 0 && gamma <= 1 && lam >= 0 && lam <= 1, "gamma and lam must lie in [0, 1], got " + gamma + ", " + lam);
        require(maxGradNorm == null || maxGradNorm > 0, "max_grad_norm must be > 0 or unset, got " + maxGradNorm);
        require(maxConsecutiveNonfinite >= 1, "max_consecutive_nonfinite must be >= 1, got " + maxConsecutiveNonfinite);
        require(localRolloutForwardBatchSize >= 1, "local_rollout_forward_batch_size must be >= 1, got " + localRolloutForwardBatchSize);
        require(weightDecay >= 0, "weight_decay must be >= 0, got " + weightDecay);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("PpoTrainerConfig: " + message);
        }
    }

    /** TRL's defaults: lr 3e-6, batch 8 x 1 x 1, 4 PPO epochs, 53 new tokens at temperature 0.7, kl_coef 0.05 (k1), seed 42. */
    public static PpoTrainerConfig trlDefaults() {
        return new PpoTrainerConfig(3e-6, 8, 1, 1, 4, null, 3.0, -1, 53, 0.7, null, null,
                0.05, KlEstimator.K1, null, 10_000, null, 0.2, 0.2, 0.1, 1.0, 0.95, false, null, 0.0, 42, NonFiniteGuard.DEFAULT_MAX_CONSECUTIVE, RolloutSpec.TRL_SHARD_SIZE);
    }

    /** Prompts per iteration. */
    public int batchSize() {
        return perDeviceTrainBatchSize * gradientAccumulationSteps * numMiniBatches;
    }

    /** Rows per minibatch (one optimizer step). */
    public int miniBatchSize() {
        return perDeviceTrainBatchSize * gradientAccumulationSteps;
    }

    /** The number of iterations for {@code prompts} prompts: TRL's {@code num_total_batches}, capped by maxSteps. */
    public long iterations(int prompts) {
        long episodes = totalEpisodes != null ? totalEpisodes : (long) Math.ceil(numTrainEpochs * prompts);
        long n = (episodes + batchSize() - 1) / batchSize();
        return maxSteps == -1 ? n : Math.min(n, maxSteps);
    }

    /** The mathematical part, with the objects it configures (losses, GAE, reward shaping, KL controller). */
    public PpoConfig math() {
        return new PpoConfig(gamma, lam, cliprange, cliprangeValue, vfCoef, klCoef, klEstimator,
                adaptiveKlTarget == null ? Double.NaN : adaptiveKlTarget, adaptiveKlHorizon, whitenRewards,
                missingEosPenalty == null ? 0.0 : missingEosPenalty);
    }

    public PpoTrainerConfig withBatches(int perDevice, int accumulation, int miniBatches) {
        return new PpoTrainerConfig(learningRate, perDevice, accumulation, miniBatches, numPpoEpochs, totalEpisodes, numTrainEpochs,
                maxSteps, responseLength, temperature, stopTokenId, missingEosPenalty, klCoef, klEstimator, adaptiveKlTarget,
                adaptiveKlHorizon, targetKl, cliprange, cliprangeValue, vfCoef, gamma, lam, whitenRewards, maxGradNorm, weightDecay, seed, maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public PpoTrainerConfig withOptimizer(double lr, Double maxNorm, int ppoEpochs) {
        return new PpoTrainerConfig(lr, perDeviceTrainBatchSize, gradientAccumulationSteps, numMiniBatches, ppoEpochs, totalEpisodes,
                numTrainEpochs, maxSteps, responseLength, temperature, stopTokenId, missingEosPenalty, klCoef, klEstimator,
                adaptiveKlTarget, adaptiveKlHorizon, targetKl, cliprange, cliprangeValue, vfCoef, gamma, lam, whitenRewards, maxNorm,
                weightDecay, seed, maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public PpoTrainerConfig withGeneration(int length, double temp, Integer stopToken, Double eosPenalty) {
        return new PpoTrainerConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numMiniBatches, numPpoEpochs,
                totalEpisodes, numTrainEpochs, maxSteps, length, temp, stopToken, eosPenalty, klCoef, klEstimator, adaptiveKlTarget,
                adaptiveKlHorizon, targetKl, cliprange, cliprangeValue, vfCoef, gamma, lam, whitenRewards, maxGradNorm, weightDecay, seed, maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public PpoTrainerConfig withKl(double coef, KlEstimator estimator, Double adaptiveTarget, Double earlyStopKl) {
        return new PpoTrainerConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numMiniBatches, numPpoEpochs,
                totalEpisodes, numTrainEpochs, maxSteps, responseLength, temperature, stopTokenId, missingEosPenalty, coef, estimator,
                adaptiveTarget, adaptiveKlHorizon, earlyStopKl, cliprange, cliprangeValue, vfCoef, gamma, lam, whitenRewards, maxGradNorm,
                weightDecay, seed, maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public PpoTrainerConfig withRun(Long episodes, long steps, long newSeed) {
        return new PpoTrainerConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numMiniBatches, numPpoEpochs,
                episodes, numTrainEpochs, steps, responseLength, temperature, stopTokenId, missingEosPenalty, klCoef, klEstimator,
                adaptiveKlTarget, adaptiveKlHorizon, targetKl, cliprange, cliprangeValue, vfCoef, gamma, lam, whitenRewards, maxGradNorm,
                weightDecay, newSeed, maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    /** The same config with shards of {@code rows} rollout rows ({@code local_rollout_forward_batch_size}). */
    public PpoTrainerConfig withRolloutShard(int rows) {
        return new PpoTrainerConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numMiniBatches,
                numPpoEpochs, totalEpisodes, numTrainEpochs, maxSteps, responseLength, temperature, stopTokenId,
                missingEosPenalty, klCoef, klEstimator, adaptiveKlTarget, adaptiveKlHorizon, targetKl, cliprange,
                cliprangeValue, vfCoef, gamma, lam, whitenRewards, maxGradNorm, weightDecay, seed, maxConsecutiveNonfinite,
                rows);
    }
}
