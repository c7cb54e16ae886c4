package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.data.TrainingPlan;

/**
 * Hyper-parameters of {@link RewardModelTrainer}, TRL's {@code RewardConfig} (and the {@code TrainingArguments} it
 * inherits) under Java names; {@link #trlDefaults()} has TRL's defaults.
 *
 * @param learningRate              {@code learning_rate} (5e-5, inherited from {@code TrainingArguments})
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: pairs per micro-batch (8); a forward runs
 *                                  twice as many rows, chosen and rejected together
 * @param perDeviceEvalBatchSize    {@code per_device_eval_batch_size}: pairs per evaluation batch (8)
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps} (1): the step's loss is the mean of its
 *                                  micro-batches' losses, as HF divides a loss without {@code num_items_in_batch}
 * @param numTrainEpochs            {@code num_train_epochs} (3.0)
 * @param maxSteps                  {@code max_steps}: -1 to count from the epochs
 * @param maxLength                 {@code max_length} (1024, also capped at n_positions); TRL drops longer pairs,
 *                                  here they are cut and counted ({@link LengthLimit})
 * @param centerRewardsCoefficient  {@code center_rewards_coefficient}: null or 0 for none (TRL suggests 0.01)
 * @param disableDropout            {@code disable_dropout} (true)
 * @param weightDecay               {@code weight_decay} (0.0), on matrices only
 * @param adamBeta1                 {@code adam_beta1} (0.9)
 * @param adamBeta2                 {@code adam_beta2} (0.999)
 * @param adamEpsilon               {@code adam_epsilon} (1e-8)
 * @param maxGradNorm               {@code max_grad_norm} (1.0); 0 for none
 * @param lrSchedulerType           {@code lr_scheduler_type} (linear)
 * @param warmupRatio               {@code warmup_ratio} (0.0)
 * @param warmupSteps               {@code warmup_steps} (0; wins over the ratio when positive)
 * @param seed                      {@code seed} (42)
 * @param maxConsecutiveNonfinite   optimizer steps in a row with a non-finite loss or gradient that stop the run
 *                                  (5; not a TRL field); each such step is skipped ({@link NonFiniteGuard})
 */
public record RewardConfig(double learningRate, int perDeviceTrainBatchSize, int perDeviceEvalBatchSize,
                           int gradientAccumulationSteps, double numTrainEpochs, int maxSteps, int maxLength,
                           Double centerRewardsCoefficient, boolean disableDropout, double weightDecay, double adamBeta1,
                           double adamBeta2, double adamEpsilon, double maxGradNorm, TrainingPlan.SchedulerType lrSchedulerType,
                           double warmupRatio, int warmupSteps, long seed, int maxConsecutiveNonfinite) {

    public RewardConfig {
        if (!(learningRate >= 0) || !(weightDecay >= 0) || !(adamEpsilon >= 0) || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("RewardConfig: learning_rate, weight_decay, adam_epsilon and max_grad_norm must be >= 0, got "
                    + learningRate + ", " + weightDecay + ", " + adamEpsilon + ", " + maxGradNorm);
        }
        if (perDeviceTrainBatchSize <= 0 || perDeviceEvalBatchSize <= 0 || gradientAccumulationSteps <= 0) {
            throw new IllegalArgumentException("RewardConfig: per_device_train_batch_size, per_device_eval_batch_size and"
                    + " gradient_accumulation_steps must be positive, got " + perDeviceTrainBatchSize + ", "
                    + perDeviceEvalBatchSize + ", " + gradientAccumulationSteps);
        }
        if (maxSteps == 0 || maxSteps < -1 || (maxSteps == -1 && !(numTrainEpochs > 0))) {
            throw new IllegalArgumentException("RewardConfig: need max_steps > 0, or max_steps = -1 with num_train_epochs > 0, got max_steps "
                    + maxSteps + ", num_train_epochs " + numTrainEpochs);
        }
        if (maxConsecutiveNonfinite < 1) {
            throw new IllegalArgumentException("RewardConfig: max_consecutive_nonfinite must be at least 1, got " + maxConsecutiveNonfinite);
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("RewardConfig: max_length must be at least 2, got " + maxLength);
        }
        if (centerRewardsCoefficient != null && !(centerRewardsCoefficient >= 0)) {
            throw new IllegalArgumentException("RewardConfig: center_rewards_coefficient must be >= 0 or null, got " + centerRewardsCoefficient);
        }
        if (!(adamBeta1 >= 0 && adamBeta1 < 1) || !(adamBeta2 >= 0 && adamBeta2 < 1)) {
            throw new IllegalArgumentException("RewardConfig: adam_beta1 and adam_beta2 must be in [0, 1), got " + adamBeta1 + ", " + adamBeta2);
        }
        if (!(warmupRatio >= 0 && warmupRatio <= 1) || warmupSteps < 0 || lrSchedulerType == null) {
            throw new IllegalArgumentException("RewardConfig: need warmup_ratio in [0, 1], warmup_steps >= 0 and a scheduler, got "
                    + warmupRatio + ", " + warmupSteps + ", " + lrSchedulerType);
        }
    }

    /** TRL's {@code RewardConfig} defaults. */
    public static RewardConfig trlDefaults() {
        return new RewardConfig(5e-5, 8, 8, 1, 3.0, -1, 1024, null, true, 0.0, 0.9, 0.999, 1e-8, 1.0,
                TrainingPlan.SchedulerType.LINEAR, 0.0, 0, 42, NonFiniteGuard.DEFAULT_MAX_CONSECUTIVE);
    }

    /** The centering weight, 0 when {@code centerRewardsCoefficient} is null. */
    public double centering() {
        return centerRewardsCoefficient == null ? 0.0 : centerRewardsCoefficient;
    }

    public RewardConfig withLearningRate(double lr) {
        return new RewardConfig(lr, perDeviceTrainBatchSize, perDeviceEvalBatchSize, gradientAccumulationSteps, numTrainEpochs,
                maxSteps, maxLength, centerRewardsCoefficient, disableDropout, weightDecay, adamBeta1, adamBeta2, adamEpsilon,
                maxGradNorm, lrSchedulerType, warmupRatio, warmupSteps, seed, maxConsecutiveNonfinite);
    }

    public RewardConfig withBatchSize(int perDeviceTrainBatchSize) {
        return new RewardConfig(learningRate, perDeviceTrainBatchSize, perDeviceEvalBatchSize, gradientAccumulationSteps, numTrainEpochs,
                maxSteps, maxLength, centerRewardsCoefficient, disableDropout, weightDecay, adamBeta1, adamBeta2, adamEpsilon,
                maxGradNorm, lrSchedulerType, warmupRatio, warmupSteps, seed, maxConsecutiveNonfinite);
    }

    /** A run of {@code maxSteps} optimizer steps (-1: {@code numTrainEpochs} epochs). */
    public RewardConfig withSteps(double numTrainEpochs, int maxSteps) {
        return new RewardConfig(learningRate, perDeviceTrainBatchSize, perDeviceEvalBatchSize, gradientAccumulationSteps, numTrainEpochs,
                maxSteps, maxLength, centerRewardsCoefficient, disableDropout, weightDecay, adamBeta1, adamBeta2, adamEpsilon,
                maxGradNorm, lrSchedulerType, warmupRatio, warmupSteps, seed, maxConsecutiveNonfinite);
    }

    public RewardConfig withCenterRewardsCoefficient(Double coefficient) {
        return new RewardConfig(learningRate, perDeviceTrainBatchSize, perDeviceEvalBatchSize, gradientAccumulationSteps, numTrainEpochs,
                maxSteps, maxLength, coefficient, disableDropout, weightDecay, adamBeta1, adamBeta2, adamEpsilon,
                maxGradNorm, lrSchedulerType, warmupRatio, warmupSteps, seed, maxConsecutiveNonfinite);
    }

    public RewardConfig withSeed(long seed) {
        return new RewardConfig(learningRate, perDeviceTrainBatchSize, perDeviceEvalBatchSize, gradientAccumulationSteps, numTrainEpochs,
                maxSteps, maxLength, centerRewardsCoefficient, disableDropout, weightDecay, adamBeta1, adamBeta2, adamEpsilon,
                maxGradNorm, lrSchedulerType, warmupRatio, warmupSteps, seed, maxConsecutiveNonfinite);
    }

    /** AdamW with this config's rate, betas, epsilon and weight decay. */
    public AdamW.Config adamW() {
        return new AdamW.Config(learningRate, adamBeta1, adamBeta2, adamEpsilon, weightDecay);
    }
}
