package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.data.TrainingPlan;

/**
 * Hyper-parameters of {@link SftTrainer}, TRL's {@code SFTConfig} (and the {@code TrainingArguments} it inherits)
 * under Java names; {@link #trlDefaults()} has TRL's defaults.
 *
 * @param learningRate              {@code learning_rate}, the peak of the schedule (TRL: 2e-5)
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: examples per micro-batch (8)
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: micro-batches per optimizer step (1)
 * @param numTrainEpochs            {@code num_train_epochs} (3.0)
 * @param maxSteps                  {@code max_steps}: optimizer steps; -1 to count them from the epochs
 * @param maxLength                 {@code max_length}: tokens of prompt + completion (1024; also capped at the
 *                                  model's n_positions); longer examples are cut, see {@link LengthLimit}
 * @param completionOnlyLoss        {@code completion_only_loss}: score only completion tokens (true for
 *                                  prompt-completion data); false scores every real token after the first
 * @param weightDecay               {@code weight_decay} (0.0), on matrices only (HF excludes biases and layer norms)
 * @param adamBeta1                 {@code adam_beta1} (0.9)
 * @param adamBeta2                 {@code adam_beta2} (0.999)
 * @param adamEpsilon               {@code adam_epsilon} (1e-8)
 * @param maxGradNorm               {@code max_grad_norm}: global gradient-norm clip (1.0); 0 for none
 * @param lrSchedulerType           {@code lr_scheduler_type} (linear)
 * @param warmupRatio               {@code warmup_ratio} (0.0)
 * @param warmupSteps               {@code warmup_steps} (0; wins over the ratio when positive)
 * @param seed                      {@code seed} (42): data order and dropout
 * @param loggingSteps              {@code logging_steps}: report every n-th optimizer step (and the last). TRL's
 *                                  default is 10; the preset reports every step, as the run folder keeps one line
 *                                  per step. A reported step carries its own figures, not a mean over n steps.
 * @param maxConsecutiveNonfinite   optimizer steps in a row with a non-finite loss or gradient that stop the run
 *                                  (5; not a TRL field); each such step is skipped ({@link NonFiniteGuard})
 */
public record SftConfig(double learningRate, int perDeviceTrainBatchSize, int gradientAccumulationSteps, double numTrainEpochs,
                        int maxSteps, int maxLength, boolean completionOnlyLoss, double weightDecay, double adamBeta1,
                        double adamBeta2, double adamEpsilon, double maxGradNorm, TrainingPlan.SchedulerType lrSchedulerType,
                        double warmupRatio, int warmupSteps, long seed, int loggingSteps, int maxConsecutiveNonfinite) {

    public SftConfig {
        if (!(learningRate >= 0) || !(weightDecay >= 0) || !(adamEpsilon >= 0) || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("SftConfig: learning_rate, weight_decay, adam_epsilon and max_grad_norm must be >= 0, got "
                    + learningRate + ", " + weightDecay + ", " + adamEpsilon + ", " + maxGradNorm);
        }
        if (perDeviceTrainBatchSize <= 0 || gradientAccumulationSteps <= 0 || loggingSteps <= 0) {
            throw new IllegalArgumentException("SftConfig: per_device_train_batch_size, gradient_accumulation_steps and logging_steps"
                    + " must be positive, got " + perDeviceTrainBatchSize + ", " + gradientAccumulationSteps + ", " + loggingSteps);
        }
        if (maxSteps == 0 || maxSteps < -1 || (maxSteps == -1 && !(numTrainEpochs > 0))) {
            throw new IllegalArgumentException("SftConfig: need max_steps > 0, or max_steps = -1 with num_train_epochs > 0, got max_steps "
                    + maxSteps + ", num_train_epochs " + numTrainEpochs);
        }
        if (maxConsecutiveNonfinite < 1) {
            throw new IllegalArgumentException("SftConfig: max_consecutive_nonfinite must be at least 1, got " + maxConsecutiveNonfinite);
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("SftConfig: max_length must be at least 2, got " + maxLength);
        }
        if (!(adamBeta1 >= 0 && adamBeta1 < 1) || !(adamBeta2 >= 0 && adamBeta2 < 1)) {
            throw new IllegalArgumentException("SftConfig: adam_beta1 and adam_beta2 must be in [0, 1), got " + adamBeta1 + ", " + adamBeta2);
        }
        if (!(warmupRatio >= 0 && warmupRatio <= 1) || warmupSteps < 0 || lrSchedulerType == null) {
            throw new IllegalArgumentException("SftConfig: need warmup_ratio in [0, 1], warmup_steps >= 0 and a scheduler, got "
                    + warmupRatio + ", " + warmupSteps + ", " + lrSchedulerType);
        }
    }

    /** TRL's {@code SFTConfig} defaults (logging every step, see {@code loggingSteps}). */
    public static SftConfig trlDefaults() {
        return new SftConfig(2e-5, 8, 1, 3.0, -1, 1024, true, 0.0, 0.9, 0.999, 1e-8, 1.0,
                TrainingPlan.SchedulerType.LINEAR, 0.0, 0, 42, 1, NonFiniteGuard.DEFAULT_MAX_CONSECUTIVE);
    }

    public SftConfig withLearningRate(double lr) {
        return new SftConfig(lr, perDeviceTrainBatchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, maxLength,
                completionOnlyLoss, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, lrSchedulerType, warmupRatio,
                warmupSteps, seed, loggingSteps, maxConsecutiveNonfinite);
    }

    /** The batch shape: {@code perDeviceTrainBatchSize} examples, {@code gradientAccumulationSteps} micro-batches a step. */
    public SftConfig withBatches(int perDeviceTrainBatchSize, int gradientAccumulationSteps) {
        return new SftConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, maxLength,
                completionOnlyLoss, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, lrSchedulerType, warmupRatio,
                warmupSteps, seed, loggingSteps, maxConsecutiveNonfinite);
    }

    /** A run of {@code maxSteps} optimizer steps (-1: {@code numTrainEpochs} epochs). */
    public SftConfig withSteps(double numTrainEpochs, int maxSteps) {
        return new SftConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, maxLength,
                completionOnlyLoss, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, lrSchedulerType, warmupRatio,
                warmupSteps, seed, loggingSteps, maxConsecutiveNonfinite);
    }

    public SftConfig withSeed(long seed) {
        return new SftConfig(learningRate, perDeviceTrainBatchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, maxLength,
                completionOnlyLoss, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, lrSchedulerType, warmupRatio,
                warmupSteps, seed, loggingSteps, maxConsecutiveNonfinite);
    }

    /** AdamW with this config's rate, betas, epsilon and weight decay. */
    public AdamW.Config adamW() {
        return new AdamW.Config(learningRate, adamBeta1, adamBeta2, adamEpsilon, weightDecay);
    }
}
