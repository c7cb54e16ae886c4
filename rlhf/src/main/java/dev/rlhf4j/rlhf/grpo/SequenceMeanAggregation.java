package dev.rlhf4j.rlhf.grpo;

import dev.rlhf4j.core.Tensor;

/**
 * {@code loss_type grpo} (Shao et al. 2024, eq. 3): {@code 1/G sum_i 1/|o_i| sum_t l_{i,t}}. A long completion's tokens
 * weigh less than a short one's, the length bias Dr. GRPO points out. A sequence with no scored token (a masked
 * truncation) counts as length 1, as TRL clamps.
 */
public final class SequenceMeanAggregation implements LossAggregation {
    @Override
    public Tensor aggregate(Tensor perToken, Tensor mask, Normalizer n) {
        Tensor lengths = mask.sum(-1, false).clamp(1.0, Double.MAX_VALUE);                   // (B)
        return perToken.sum(-1, false).div(lengths).mean().div(n.accumulationSteps());      // ()
    }
}
