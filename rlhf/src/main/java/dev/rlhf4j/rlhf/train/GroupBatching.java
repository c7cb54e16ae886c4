package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import java.io.Serializable;

/**
 * How a group trainer (GRPO, RLOO) spends its prompts, under TRL's names: one generation step samples
 * {@code perDeviceTrainBatchSize * gradientAccumulationSteps} completions, {@code numGenerations} for each of that many
 * / numGenerations prompts, then takes {@code numIterations} optimizer steps on them, each over
 * {@code gradientAccumulationSteps} micro-batches.
 *
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: completions per micro-batch
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}
 * @param numGenerations            {@code num_generations}: G completions per prompt (a group), at least 2
 * @param numIterations             {@code num_iterations}: optimizer steps per generation batch (GRPO's mu)
 * @param numTrainEpochs            {@code num_train_epochs}: passes over the prompts when maxSteps is -1
 * @param maxSteps                  {@code max_steps}: generation steps at most; -1 for no limit
 * @param seed                      {@code seed}: prompt order and sampling
 */
public record GroupBatching(int perDeviceTrainBatchSize, int gradientAccumulationSteps, int numGenerations, int numIterations,
                            double numTrainEpochs, long maxSteps, long seed) implements Serializable {

    public GroupBatching {
        require(perDeviceTrainBatchSize >= 1, "GroupBatching", "per_device_train_batch_size must be >= 1, got " + perDeviceTrainBatchSize);
        require(gradientAccumulationSteps >= 1, "GroupBatching", "gradient_accumulation_steps must be >= 1, got " + gradientAccumulationSteps);
        require(numGenerations >= 2, "GroupBatching", "num_generations must be >= 2, got " + numGenerations);
        require(perDeviceTrainBatchSize * gradientAccumulationSteps % numGenerations == 0, "GroupBatching",
                "per_device_train_batch_size x gradient_accumulation_steps (" + perDeviceTrainBatchSize * gradientAccumulationSteps
                        + ") must be a multiple of num_generations (" + numGenerations + ")");
        require(numIterations >= 1, "GroupBatching", "num_iterations must be >= 1, got " + numIterations);
        require(numTrainEpochs > 0, "GroupBatching", "num_train_epochs must be > 0, got " + numTrainEpochs);
        require(maxSteps == -1 || maxSteps >= 1, "GroupBatching", "max_steps must be -1 (no limit) or >= 1, got " + maxSteps);
    }

    /** TRL's defaults with G = {@code numGenerations}: 8 completions per step, one iteration, 3 epochs, seed 42. */
    public static GroupBatching trl(int numGenerations) {
        return new GroupBatching(8, 1, numGenerations, 1, 3.0, -1, 42);
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
}
