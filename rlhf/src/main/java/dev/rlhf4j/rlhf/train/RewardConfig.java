package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * Hyper-parameters of {@link RewardModelTrainer}, TRL's {@code RewardConfig} (and the {@code TrainingArguments} it
 * inherits) under Java names: the optimizer, schedule and batching every trainer has, and the reward model's own four.
 * {@link #trlDefaults()} has TRL's defaults; {@link #toBuilder()} changes a few of them.
 *
 * @param optimization             learning rate 5e-5 (inherited from {@code TrainingArguments}), no weight decay (on
 *                                 matrices only), clip 1.0
 * @param adam                     torch's AdamW betas and epsilon
 * @param schedule                 linear, no warm-up
 * @param batching                 8 pairs per micro-batch (a forward runs twice as many rows, chosen and rejected
 *                                 together), 3 epochs, seed 42; the step's loss is the mean of its micro-batches' losses,
 *                                 as HF divides a loss without {@code num_items_in_batch}
 * @param perDeviceEvalBatchSize   {@code per_device_eval_batch_size}: pairs per evaluation batch (8)
 * @param maxLength                {@code max_length} (1024, also capped at n_positions); TRL drops longer pairs, here
 *                                 they are cut and counted ({@link LengthLimit})
 * @param centerRewardsCoefficient {@code center_rewards_coefficient}: null or 0 for none (TRL suggests 0.01)
 * @param disableDropout           {@code disable_dropout} (true)
 */
public record RewardConfig(@JsonUnwrapped Optimization optimization, @JsonUnwrapped Adam adam,
                           @JsonUnwrapped Schedule schedule, @JsonUnwrapped Batching batching, int perDeviceEvalBatchSize,
                           int maxLength, Double centerRewardsCoefficient, boolean disableDropout) {

    public RewardConfig {
        require(perDeviceEvalBatchSize >= 1, "RewardConfig", "per_device_eval_batch_size must be >= 1, got " + perDeviceEvalBatchSize);
        require(maxLength >= 2, "RewardConfig", "max_length must be at least 2, got " + maxLength);
        require(centerRewardsCoefficient == null || centerRewardsCoefficient >= 0, "RewardConfig",
                "center_rewards_coefficient must be >= 0 or unset, got " + centerRewardsCoefficient);
    }

    /** TRL's {@code RewardConfig} defaults. */
    public static RewardConfig trlDefaults() {
        return new RewardConfig(Optimization.trl(5e-5), Adam.TORCH, Schedule.trl(), Batching.trl(), 8, 1024, null, true);
    }

    /** The centering weight, 0 when {@code centerRewardsCoefficient} is unset. */
    public double centering() {
        return centerRewardsCoefficient == null ? 0.0 : centerRewardsCoefficient;
    }

    /** A builder starting from this config, to change a few hyper-parameters. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The setters of this config's own hyper-parameters; the shared ones are inherited. */
    public static final class Builder extends TrainingArgumentsBuilder<RewardConfig, Builder> {
        private Builder(RewardConfig from) {
            super(from);
        }

        public Builder perDeviceEvalBatchSize(int v) { return set("perDeviceEvalBatchSize", v); }
        public Builder maxLength(int v) { return set("maxLength", v); }
        public Builder centerRewardsCoefficient(Double v) { return set("centerRewardsCoefficient", v); }
        public Builder disableDropout(boolean v) { return set("disableDropout", v); }
    }
}
