package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The hyper-parameters of {@link RlooTrainer} under the names of TRL's {@code RLOOConfig} (and the
 * {@code TrainingArguments} it extends), in camelCase: what every group trainer has (optimizer, batching, sampling,
 * clip range), then RLOO's own two. {@link #trlDefaults()} has TRL's defaults; {@link #toBuilder()} changes a few of
 * them. TRL's {@code reward_weights} go with the rewards to the constructor.
 *
 * @param optimization        learning rate 1e-6, decayed linearly to 0 over the optimizer steps; clip 1.0
 * @param batching            8 completions per step, G = 2, one iteration, 3 epochs, seed 42
 * @param sampling            256 new tokens at temperature 1
 * @param clip                0.2 on both sides, of the sequence ratio
 * @param beta                {@code beta} of the sequence-level KL penalty in the reward; 0 calls no reference
 * @param normalizeAdvantages {@code normalize_advantages}: advantages standardised over the batch
 */
public record RlooConfig(@JsonUnwrapped Optimization optimization, @JsonUnwrapped GroupBatching batching,
                         @JsonUnwrapped Sampling sampling, @JsonUnwrapped ClipRange clip, double beta,
                         boolean normalizeAdvantages) implements GroupConfig {

    public RlooConfig {
        require(beta >= 0 && Double.isFinite(beta), "RlooConfig", "beta must be finite and >= 0, got " + beta);
    }

    /** TRL's defaults: lr 1e-6, 8 completions per step, G = 2, 256 new tokens at temperature 1, beta 0.05, seed 42. */
    public static RlooConfig trlDefaults() {
        return new RlooConfig(Optimization.trl(1e-6), GroupBatching.trl(2), Sampling.trl(), ClipRange.trl(), 0.05, false);
    }

    /** A builder starting from this config, to change a few hyper-parameters. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The setters of RLOO's own hyper-parameters; the shared ones are inherited. */
    public static final class Builder extends GroupConfigBuilder<RlooConfig, Builder> {
        private Builder(RlooConfig from) {
            super(from);
        }

        public Builder beta(double v) { return set("beta", v); }
        public Builder normalizeAdvantages(boolean v) { return set("normalizeAdvantages", v); }
    }
}
