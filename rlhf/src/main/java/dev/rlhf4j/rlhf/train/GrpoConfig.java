package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages.ScaleRewards;
import dev.rlhf4j.rlhf.grpo.LossType;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;

/**
 * The hyper-parameters of {@link GrpoTrainer} under the names of TRL's {@code GRPOConfig} (and the
 * {@code TrainingArguments} it extends), in camelCase. One step samples {@code perDeviceTrainBatchSize *
 * gradientAccumulationSteps} completions, {@code numGenerations} for each of that many / numGenerations prompts, then
 * takes {@code numIterations} optimizer steps on them, each over {@code gradientAccumulationSteps} micro-batches.
 * TRL's {@code reward_weights} go with the reward functions to the trainer's constructor.
 *
 * @param learningRate              {@code learning_rate}, decayed linearly to 0 over the optimizer steps
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: completions per micro-batch
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}
 * @param numGenerations            {@code num_generations}: G completions per prompt (a group)
 * @param maxCompletionLength       {@code max_completion_length}
 * @param temperature               {@code temperature} of sampling and of every log-prob
 * @param beta                      {@code beta}: weight of the per-token k3 KL; 0 loads and calls no reference
 * @param epsilon                   {@code epsilon}: the lower clip range
 * @param epsilonHigh               {@code epsilon_high}: the upper clip range (DAPO's clip-higher); unset: epsilon
 * @param numIterations             {@code num_iterations}: optimizer steps per generation batch (GRPO's mu)
 * @param scaleRewards              {@code scale_rewards}: group, batch or none
 * @param lossType                  {@code loss_type}: grpo, bnpo, dr_grpo or dapo
 * @param maskTruncatedCompletions  {@code mask_truncated_completions}: completions without EOS count for nothing
 * @param syncRefModel              {@code sync_ref_model}: the reference follows the policy (TR-DPO)
 * @param refModelMixupAlpha        {@code ref_model_mixup_alpha}
 * @param refModelSyncSteps         {@code ref_model_sync_steps}
 * @param maxGradNorm               {@code max_grad_norm}; null: no clipping
 * @param weightDecay               {@code weight_decay} of AdamW (betas 0.9 / 0.999, eps 1e-8)
 * @param numTrainEpochs            {@code num_train_epochs}: passes over the prompts when maxSteps is -1
 * @param maxSteps                  {@code max_steps}: generation steps at most; -1 for no limit
 * @param seed                      {@code seed}: prompt order and sampling
 * @param maxConsecutiveNonfinite   optimizer steps in a row with a non-finite loss or gradient that stop the run
 * @param localRolloutForwardBatchSize {@code local_rollout_forward_batch_size}: rows per rollout shard (generated, scored and
 *                                  referenced together; the unit a cluster distributes, fixed so results do not depend on it)
 */
public record GrpoConfig(double learningRate, int perDeviceTrainBatchSize, int gradientAccumulationSteps, int numGenerations,
                         int maxCompletionLength, double temperature, double beta, double epsilon, Double epsilonHigh,
                         int numIterations, ScaleRewards scaleRewards, LossType lossType, boolean maskTruncatedCompletions,
                         boolean syncRefModel, double refModelMixupAlpha, int refModelSyncSteps, Double maxGradNorm,
                         double weightDecay, double numTrainEpochs, long maxSteps, long seed, int maxConsecutiveNonfinite,
        int localRolloutForwardBatchSize) implements GroupConfig {

    public GrpoConfig {
        require(learningRate >= 0 && Double.isFinite(learningRate), "learning_rate must be >= 0, got " + learningRate);
        require(perDeviceTrainBatchSize >= 1, "per_device_train_batch_size must be >= 1, got " + perDeviceTrainBatchSize);
        require(gradientAccumulationSteps >= 1, "gradient_accumulation_steps must be >= 1, got " + gradientAccumulationSteps);
        require(numGenerations >= 2, "num_generations must be >= 2, got " + numGenerations);
        require(perDeviceTrainBatchSize * gradientAccumulationSteps % numGenerations == 0, "per_device_train_batch_size x"
                + " gradient_accumulation_steps (" + perDeviceTrainBatchSize * gradientAccumulationSteps + ") must be a multiple of"
                + " num_generations (" + numGenerations + ")");
        require(maxCompletionLength >= 1, "max_completion_length must be >= 1, got " + maxCompletionLength);
        require(temperature > 0 && Double.isFinite(temperature), "temperature must be positive and finite, got " + temperature);
        require(beta >= 0 && Double.isFinite(beta), "beta must be finite and >= 0, got " + beta);
        require(epsilon > 0 && epsilon < 1, "epsilon must be in (0, 1), got " + epsilon);
        require(epsilonHigh == null || epsilonHigh > 0, "epsilon_high must be > 0 or unset, got " + epsilonHigh);
        require(numIterations >= 1, "num_iterations must be >= 1, got " + numIterations);
        require(scaleRewards != null && lossType != null, "scale_rewards and loss_type must be set");
        require(refModelMixupAlpha >= 0 && refModelMixupAlpha <= 1, "ref_model_mixup_alpha must lie in [0, 1], got " + refModelMixupAlpha);
        require(refModelSyncSteps >= 1, "ref_model_sync_steps must be >= 1, got " + refModelSyncSteps);
        require(maxGradNorm == null || maxGradNorm > 0, "max_grad_norm must be > 0 or unset, got " + maxGradNorm);
        require(weightDecay >= 0, "weight_decay must be >= 0, got " + weightDecay);
        require(numTrainEpochs > 0, "num_train_epochs must be > 0, got " + numTrainEpochs);
        require(maxSteps == -1 || maxSteps >= 1, "max_steps must be -1 (no limit) or >= 1, got " + maxSteps);
        require(maxConsecutiveNonfinite >= 1, "max_consecutive_nonfinite must be >= 1, got " + maxConsecutiveNonfinite);
        require(localRolloutForwardBatchSize >= 1, "local_rollout_forward_batch_size must be >= 1, got " + localRolloutForwardBatchSize);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("GrpoConfig: " + message);
        }
    }

    /** TRL's defaults: lr 1e-6, 8 completions per step, G = 8, 256 new tokens at temperature 1, beta 0, dapo, seed 42. */
    public static GrpoConfig trlDefaults() {
        return new GrpoConfig(1e-6, 8, 1, 8, 256, 1.0, 0.0, 0.2, null, 1, ScaleRewards.GROUP, LossType.DAPO, false, false, 0.6, 512,
                1.0, 0.0, 3.0, -1, 42,
                NonFiniteGuard.DEFAULT_MAX_CONSECUTIVE, RolloutSpec.TRL_SHARD_SIZE);
    }

    /** The upper clip range: epsilon_high, or epsilon when unset. */
    public double clipHigh() {
        return epsilonHigh != null ? epsilonHigh : epsilon;
    }

    /** Prompts per generation step. */
    public int promptsPerStep() {
        return perDeviceTrainBatchSize * gradientAccumulationSteps / numGenerations;
    }

    /** Generation steps for {@code prompts} prompts, capped by maxSteps. */
    public long iterations(int prompts) {
        long n = (long) Math.ceil(numTrainEpochs * prompts / promptsPerStep());
        return maxSteps == -1 ? n : Math.min(n, maxSteps);
    }

    public GroupRelativeAdvantages advantages() {
        return new GroupRelativeAdvantages(numGenerations, scaleRewards);
    }

    public GrpoConfig withBatches(int perDevice, int accumulation, int generations) {
        return new GrpoConfig(learningRate, perDevice, accumulation, generations, maxCompletionLength, temperature, beta, epsilon,
                epsilonHigh, numIterations, scaleRewards, lossType, maskTruncatedCompletions, syncRefModel, refModelMixupAlpha,
                refModelSyncSteps, maxGradNorm, weightDecay, numTrainEpochs, maxSteps, seed,
                maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public GrpoConfig withGeneration(int maxNew, double temp, boolean maskTruncated) {
        return new GrpoConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numGenerations, maxNew, temp, beta,
                epsilon, epsilonHigh, numIterations, scaleRewards, lossType, maskTruncated, syncRefModel, refModelMixupAlpha,
                refModelSyncSteps, maxGradNorm, weightDecay, numTrainEpochs, maxSteps, seed,
                maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public GrpoConfig withLoss(double newBeta, double eps, Double epsHigh, ScaleRewards scale, LossType loss) {
        return new GrpoConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numGenerations, maxCompletionLength,
                temperature, newBeta, eps, epsHigh, numIterations, scale, loss, maskTruncatedCompletions, syncRefModel, refModelMixupAlpha,
                refModelSyncSteps, maxGradNorm, weightDecay, numTrainEpochs, maxSteps, seed,
                maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public GrpoConfig withOptimizer(double lr, Double maxNorm, int iterationsPerBatch) {
        return new GrpoConfig(lr, perDeviceTrainBatchSize, gradientAccumulationSteps, numGenerations, maxCompletionLength, temperature,
                beta, epsilon, epsilonHigh, iterationsPerBatch, scaleRewards, lossType, maskTruncatedCompletions, syncRefModel,
                refModelMixupAlpha, refModelSyncSteps, maxNorm, weightDecay, numTrainEpochs, maxSteps, seed,
                maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    public GrpoConfig withRun(long steps, long newSeed) {
        return new GrpoConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numGenerations, maxCompletionLength,
                temperature, beta, epsilon, epsilonHigh, numIterations, scaleRewards, lossType, maskTruncatedCompletions, syncRefModel,
                refModelMixupAlpha, refModelSyncSteps, maxGradNorm, weightDecay, numTrainEpochs, steps, newSeed,
                maxConsecutiveNonfinite, localRolloutForwardBatchSize);
    }

    /** The same config with shards of {@code rows} rollout rows ({@code local_rollout_forward_batch_size}). */
    public GrpoConfig withRolloutShard(int rows) {
        return new GrpoConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numGenerations,
                maxCompletionLength, temperature, beta, epsilon, epsilonHigh, numIterations, scaleRewards, lossType,
                maskTruncatedCompletions, syncRefModel, refModelMixupAlpha, refModelSyncSteps, maxGradNorm, weightDecay,
                numTrainEpochs, maxSteps, seed, maxConsecutiveNonfinite, rows);
    }
}
