package dev.rlhf4j.rlhf.ppo;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;

/**
 * The entropy bonus of PPO's objective, as a loss term to add:
 * <pre>
 *   L_H = -coefficient * masked_mean_t H_t
 * </pre>
 * where H_t is the policy's per-token entropy ({@code TokenEntropy.of}). Minimising it raises the entropy,
 * keeping the policy from collapsing early. Differentiable with respect to the entropies (and through them
 * the logits).
 *
 * @param coefficient weight of the bonus (0 disables it; TRL's PPO uses none)
 */
public record EntropyBonus(double coefficient) {
    public EntropyBonus {
        if (!(coefficient >= 0)) {
            throw new IllegalArgumentException("entropy coefficient must be >= 0, got " + coefficient);
        }
    }

    /**
     * @param entropy per-token entropy H_t  (B, T)
     * @param mask    float 0/1              (B, T)
     * @return the scalar loss term  ()
     */
    public Tensor loss(Tensor entropy, Tensor mask) {
        return Masked.mean(entropy, mask).mul(-coefficient);                               // ()
    }
}
