package dev.rlhf4j.rlhf.grpo;

import dev.rlhf4j.core.Tensor;

/** {@code loss_type bnpo}: the mean over every scored token of the micro-batch, {@code sum_{i,t} l_{i,t} / sum_i |o_i|}. */
public final class TokenMeanAggregation implements LossAggregation {
    @Override
    public Tensor aggregate(Tensor perToken, Tensor mask, Normalizer n) {
        return perToken.sum().div(Math.max(1.0, mask.sum().item())).div(n.accumulationSteps());  // ()
    }
}
