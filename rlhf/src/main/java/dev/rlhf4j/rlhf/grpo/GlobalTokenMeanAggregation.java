package dev.rlhf4j.rlhf.grpo;

import dev.rlhf4j.core.Tensor;

/**
 * {@code loss_type dapo} (Yu et al. 2025, DAPO's token-level policy gradient loss; TRL's default): the sum over the
 * micro-batch's tokens divided by the scored tokens of the whole optimizer step, so every token of the step weighs the
 * same whatever micro-batch it fell in.
 */
public final class GlobalTokenMeanAggregation implements LossAggregation {
    @Override
    public Tensor aggregate(Tensor perToken, Tensor mask, Normalizer n) {
        return perToken.sum().div(Math.max(1.0, n.stepTokens()));                             // ()
    }
}
