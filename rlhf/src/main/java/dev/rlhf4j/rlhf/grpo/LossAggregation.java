package dev.rlhf4j.rlhf.grpo;

import dev.rlhf4j.core.Tensor;

/**
 * How GRPO turns its per-token losses into the scalar one backpropagates (TRL's {@code loss_type}); each way is one
 * class, chosen by {@link LossType}:
 * <pre>
 *   grpo     {@link SequenceMeanAggregation}     mean over each sequence's tokens, then over sequences (the paper)
 *   bnpo     {@link TokenMeanAggregation}        sum over the micro-batch's tokens / its token count
 *   dr_grpo  {@link ConstantLengthAggregation}   sum / (sequences x max_completion_length)  (Dr. GRPO)
 *   dapo     {@link GlobalTokenMeanAggregation}  sum / the tokens of the whole optimizer step   (DAPO)
 * </pre>
 * The result is the micro-batch's share of the optimizer step's loss: the first three divide by the number of
 * micro-batches (gradient accumulation), dapo's normaliser already counts the whole step.
 */
public interface LossAggregation {
    /**
     * What an aggregation may divide by.
     *
     * @param accumulationSteps   micro-batches in the optimizer step
     * @param stepTokens          completion tokens the loss scores in the whole optimizer step
     * @param maxCompletionLength TRL's {@code max_completion_length}
     */
    record Normalizer(int accumulationSteps, double stepTokens, int maxCompletionLength) {
    }

    /**
     * @param perToken the per-token loss, 0 where the mask is 0   (B, T)
     * @param mask     float 0/1 of the scored tokens               (B, T)
     * @return the micro-batch's share of the step loss          ()
     */
    Tensor aggregate(Tensor perToken, Tensor mask, Normalizer n);
}
