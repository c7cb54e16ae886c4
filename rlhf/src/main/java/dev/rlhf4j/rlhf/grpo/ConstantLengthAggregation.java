package dev.rlhf4j.rlhf.grpo;

import dev.rlhf4j.core.Tensor;

/**
 * {@code loss_type dr_grpo} (Liu et al. 2025, "Understanding R1-Zero-Like Training"): the sum over tokens divided by
 * a constant, {@code B x max_completion_length}, so no completion's tokens are weighted by its own length.
 */
public final class ConstantLengthAggregation implements LossAggregation {
    @Override
    public Tensor aggregate(Tensor perToken, Tensor mask, Normalizer n) {
        return perToken.sum().div((double) perToken.size(0) * n.maxCompletionLength()).div(n.accumulationSteps());  // ()
    }
}
