package dev.rlhf4j.rlhf.grpo;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.kl.KlEstimator;

/**
 * GRPO's per-token loss: PPO's clipped surrogate with a sequence's advantage on each of its tokens, an asymmetric clip
 * range (DAPO's clip-higher, Yu et al. 2025) and the k3 estimate of KL to the reference added per token:
 * <pre>
 *   rho_t = exp(logp_t - logp_old_t)
 *   l_t   = -min(rho_t A, clip(rho_t, 1 - epsilon, 1 + epsilon_high) A) + beta k3_t
 *   k3_t  = exp(logp_ref_t - logp_t) - (logp_ref_t - logp_t) - 1
 * </pre>
 * Clip diagnostics as TRL counts them: low where {@code rho < 1 - epsilon} and {@code A < 0}, high where
 * {@code rho > 1 + epsilon_high} and {@code A > 0}; region is either. Differentiable with respect to {@code logp}.
 *
 * @param epsilon     the lower clip range
 * @param epsilonHigh the upper clip range
 * @param beta        the KL weight; 0 needs no reference log-probs
 */
public record ClipHigherObjective(double epsilon, double epsilonHigh, double beta) {
    /**
     * @param perToken l_t, 0 where masked                      (B, T)
     * @param kl       k3_t, 0 where masked; null when beta is 0  (B, T)
     */
    public record Output(Tensor perToken, Tensor kl, double lowClip, double highClip, double regionClip) {
    }

    /**
     * @param logp       the policy's log-probs, in the graph   (B, T)
     * @param oldLogp    log pi_old                             (B, T)
     * @param refLogp    log pi_ref, or null when beta is 0    (B, T)
     * @param advantages each token's sequence advantage        (B, T)
     * @param mask       float 0/1                              (B, T)
     */
    public Output compute(Tensor logp, Tensor oldLogp, Tensor refLogp, Tensor advantages, Tensor mask) {
        Tensor ratio = Masked.fill(logp.sub(oldLogp.detach()), mask).exp();                // (B, T)
        Tensor a = advantages.detach();                                                    // (B, T)
        Tensor unclipped = ratio.mul(a);                                                   // (B, T)
        Tensor clipped = ratio.clamp(1.0 - epsilon, 1.0 + epsilonHigh).mul(a);             // (B, T)
        Tensor perToken = unclipped.minimum(clipped).neg();                                // (B, T)
        Tensor kl = null;
        if (beta != 0.0) {
            kl = KlEstimator.K3.perToken(logp, refLogp.detach(), mask);                    // (B, T)
            perToken = perToken.add(kl.mul(beta));                                         // (B, T)
        }
        perToken = Masked.fill(perToken, mask);                                            // (B, T)
        double[] r;
        double[] adv = a.toDoubleArray();
        double[] m = mask.toDoubleArray();
        try (NoGrad ng = NoGrad.enter()) {
            r = ratio.toDoubleArray();
        }
        double low = 0;
        double high = 0;
        double region = 0;
        double n = 0;
        for (int i = 0; i < m.length; i++) {
            boolean isLow = r[i] < 1.0 - epsilon && adv[i] < 0;
            boolean isHigh = r[i] > 1.0 + epsilonHigh && adv[i] > 0;
            low += m[i] * (isLow ? 1 : 0);
            high += m[i] * (isHigh ? 1 : 0);
            region += m[i] * (isLow || isHigh ? 1 : 0);
            n += m[i];
        }
        n = Math.max(n, 1.0);
        return new Output(perToken, kl, low / n, high / n, region / n);
    }
}
