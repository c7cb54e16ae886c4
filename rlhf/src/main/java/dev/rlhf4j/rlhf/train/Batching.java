package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import dev.rlhf4j.rlhf.data.TrainingPlan;
import java.io.Serializable;

/**
 * How a trainer on a fixed dataset (SFT, reward, DPO) walks it, under the names of TRL's {@code TrainingArguments}:
 * micro-batches of {@code perDeviceTrainBatchSize} examples, {@code gradientAccumulationSteps} of them per optimizer
 * step, for {@code maxSteps} steps or {@code numTrainEpochs} passes, in an order drawn from {@code seed}.
 *
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: examples (pairs) per micro-batch
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: micro-batches per optimizer step
 * @param numTrainEpochs            {@code num_train_epochs}: passes over the data when maxSteps is -1
 * @param maxSteps                  {@code max_steps}: optimizer steps; -1 to count them from the epochs
 * @param seed                      {@code seed}: the data order, and dropout
 */
public record Batching(int perDeviceTrainBatchSize, int gradientAccumulationSteps, double numTrainEpochs, int maxSteps,
                       long seed) implements Serializable {

    public Batching {
        require(perDeviceTrainBatchSize >= 1 && gradientAccumulationSteps >= 1, "Batching", "per_device_train_batch_size and"
                + " gradient_accumulation_steps must be >= 1, got " + perDeviceTrainBatchSize + ", " + gradientAccumulationSteps);
        require(maxSteps > 0 || maxSteps == -1, "Batching", "max_steps must be > 0, or -1 to train num_train_epochs, got "
                + maxSteps);
        require(maxSteps > 0 || numTrainEpochs > 0 && Double.isFinite(numTrainEpochs), "Batching",
                "num_train_epochs must be > 0 when max_steps is -1, got " + numTrainEpochs);
    }

    /** TRL's defaults: batches of 8, no accumulation, 3 epochs, seed 42. */
    public static Batching trl() {
        return new Batching(8, 1, 3.0, -1, 42);
    }

    /** The optimizer steps over {@code examples} examples. */
    public TrainingPlan plan(int examples) {
        return new TrainingPlan(examples, perDeviceTrainBatchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps);
    }
}
