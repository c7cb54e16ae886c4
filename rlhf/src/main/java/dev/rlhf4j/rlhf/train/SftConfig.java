package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * Hyper-parameters of {@link SftTrainer}, TRL's {@code SFTConfig} (and the {@code TrainingArguments} it inherits)
 * under Java names: the optimizer, schedule and batching every trainer has, and SFT's own three. {@link #trlDefaults()}
 * has TRL's defaults; {@link #toBuilder()} changes a few of them.
 *
 * @param optimization       learning rate 2e-5, no weight decay (on matrices only: HF excludes biases and layer norms),
 *                           clip 1.0
 * @param adam               torch's AdamW betas and epsilon
 * @param schedule           linear, no warm-up
 * @param batching           batches of 8, 3 epochs, seed 42 (data order and dropout)
 * @param maxLength          {@code max_length}: tokens of prompt + completion (1024; also capped at the model's
 *                           n_positions); longer examples are cut, see {@link LengthLimit}
 * @param completionOnlyLoss {@code completion_only_loss}: score only completion tokens (true for prompt-completion
 *                           data); false scores every real token after the first
 * @param loggingSteps       {@code logging_steps}: report every n-th optimizer step (and the last). TRL's default is 10;
 *                           the preset reports every step, as the run folder keeps one line per step. A reported step
 *                           carries its own figures, not a mean over n steps.
 */
public record SftConfig(@JsonUnwrapped Optimization optimization, @JsonUnwrapped Adam adam, @JsonUnwrapped Schedule schedule,
                        @JsonUnwrapped Batching batching, int maxLength, boolean completionOnlyLoss, int loggingSteps) {

    public SftConfig {
        require(maxLength >= 2, "SftConfig", "max_length must be at least 2, got " + maxLength);
        require(loggingSteps >= 1, "SftConfig", "logging_steps must be >= 1, got " + loggingSteps);
    }

    /** TRL's {@code SFTConfig} defaults (logging every step, see {@code loggingSteps}). */
    public static SftConfig trlDefaults() {
        return new SftConfig(Optimization.trl(2e-5), Adam.TORCH, Schedule.trl(), Batching.trl(), 1024, true, 1);
    }

    /** A builder starting from this config, to change a few hyper-parameters. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The setters of this config's own hyper-parameters; the shared ones are inherited. */
    public static final class Builder extends TrainingArgumentsBuilder<SftConfig, Builder> {
        private Builder(SftConfig from) {
            super(from);
        }

        public Builder maxLength(int v) { return set("maxLength", v); }
        public Builder completionOnlyLoss(boolean v) { return set("completionOnlyLoss", v); }
        public Builder loggingSteps(int v) { return set("loggingSteps", v); }
    }
}
