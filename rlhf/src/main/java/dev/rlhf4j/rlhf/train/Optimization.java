package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import java.io.Serializable;

/**
 * How every trainer steps its optimizer, under the names of TRL's {@code TrainingArguments}: AdamW's peak rate and
 * weight decay, the global gradient-norm clip, and how many non-finite steps in a row end the run.
 *
 * <p>Unset hyper-parameters, in this record and every other config record, are {@code null} (a boxed type). The clip
 * also takes transformers' other spelling of "none", {@code max_grad_norm = 0}; {@link OptimizerStep#maxGradNorm} reads
 * both.
 *
 * @param learningRate            {@code learning_rate}: the peak AdamW learning rate
 * @param weightDecay             {@code weight_decay} of AdamW
 * @param maxGradNorm             {@code max_grad_norm}: clip the global gradient norm to this; null or 0: no clipping
 * @param maxConsecutiveNonfinite optimizer steps in a row with a non-finite loss or gradient that stop the run (not a
 *                                TRL field); each such step is skipped ({@link NonFiniteGuard})
 */
public record Optimization(double learningRate, double weightDecay, Double maxGradNorm, int maxConsecutiveNonfinite)
        implements Serializable {

    public Optimization {
        require(learningRate >= 0 && Double.isFinite(learningRate), "Optimization", "learning_rate must be >= 0 and finite, got "
                + learningRate);
        require(weightDecay >= 0, "Optimization", "weight_decay must be >= 0, got " + weightDecay);
        require(maxGradNorm == null || maxGradNorm >= 0, "Optimization", "max_grad_norm must be >= 0 (0 or unset: no clipping), got "
                + maxGradNorm);
        require(maxConsecutiveNonfinite >= 1, "Optimization", "max_consecutive_nonfinite must be >= 1, got " + maxConsecutiveNonfinite);
    }

    /** TRL's clip (1.0) and no decay, at {@code learningRate}. */
    public static Optimization trl(double learningRate) {
        return new Optimization(learningRate, 0.0, 1.0, NonFiniteGuard.DEFAULT_MAX_CONSECUTIVE);
    }
}
