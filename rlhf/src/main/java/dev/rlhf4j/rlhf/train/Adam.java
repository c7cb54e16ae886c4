package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import dev.rlhf4j.nn.optim.AdamW;
import java.io.Serializable;

/**
 * AdamW's moment decays and epsilon, TRL's {@code adam_beta1}, {@code adam_beta2} and {@code adam_epsilon}. The trainers
 * whose TRL config does not expose them use torch's defaults, {@link #TORCH}.
 *
 * @param adamBeta1   {@code adam_beta1}: decay of the first moment
 * @param adamBeta2   {@code adam_beta2}: decay of the second moment
 * @param adamEpsilon {@code adam_epsilon}: added to the root of the second moment
 */
public record Adam(double adamBeta1, double adamBeta2, double adamEpsilon) implements Serializable {
    /** torch's and transformers' defaults: 0.9, 0.999, 1e-8. */
    public static final Adam TORCH = new Adam(0.9, 0.999, 1e-8);

    public Adam {
        require(adamBeta1 >= 0 && adamBeta1 < 1 && adamBeta2 >= 0 && adamBeta2 < 1, "Adam",
                "adam_beta1 and adam_beta2 must be in [0, 1), got " + adamBeta1 + ", " + adamBeta2);
        require(adamEpsilon >= 0, "Adam", "adam_epsilon must be >= 0, got " + adamEpsilon);
    }

    /** AdamW with these moments at {@code optimization}'s rate and weight decay. */
    public AdamW.Config adamW(Optimization optimization) {
        return new AdamW.Config(optimization.learningRate(), adamBeta1, adamBeta2, adamEpsilon, optimization.weightDecay());
    }
}
