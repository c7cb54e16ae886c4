package dev.rlhf4j.rlhf.ppo;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import java.util.Arrays;

/**
 * PPO's clipped surrogate policy loss (Schulman et al., "Proximal Policy Optimization Algorithms", 2017), as
 * a masked mean over tokens:
 * <pre>
 *   rho_t = exp(logp_t - logp_old_t)
 *   L     = masked_mean_t max(-A_t rho_t, -A_t clip(rho_t, 1 - eps, 1 + eps))
 *   clipFraction = masked_mean_t [ -A_t clip(rho_t) > -A_t rho_t ]      (the clipped term is the one used)
 * </pre>
 * The max picks the pessimistic bound: once rho has moved past 1 + eps with A > 0 (or below 1 - eps with
 * A < 0), the clipped term wins and the gradient with respect to logp is exactly 0. Differentiable with
 * respect to {@code logp}; old log-probs and advantages are constants.
 *
 * @param epsilon the clip range eps (TRL's {@code cliprange}, 0.2)
 */
public record ClippedSurrogateLoss(double epsilon) {
    public ClippedSurrogateLoss {
        if (!(epsilon > 0 && epsilon < 1)) {
            throw new IllegalArgumentException("clip range must be in (0, 1), got " + epsilon);
        }
    }

    /**
     * @param loss         the masked mean, in the graph of logp  ()
     * @param perToken     max(-A rho, -A clip(rho)), 0 where masked  (B, T)
     * @param clipFraction fraction of selected tokens where the clipped term is used
     */
    public record Output(Tensor loss, Tensor perToken, double clipFraction) {
    }

    /**
     * @param logp       log-probs of the taken tokens under the current policy  (B, T)
     * @param oldLogp    the same under the policy that sampled them             (B, T)
     * @param advantages A_t (usually whitened GAE)                              (B, T)
     * @param mask       float 0/1                                               (B, T)
     */
    public Output compute(Tensor logp, Tensor oldLogp, Tensor advantages, Tensor mask) {
        checkSameShape("ClippedSurrogateLoss", logp, oldLogp, advantages);
        Masked.check("ClippedSurrogateLoss", logp, mask);
        Tensor logRatio = Masked.fill(logp.sub(oldLogp.detach()), mask);                  // (B, T)
        Tensor ratio = logRatio.exp();                                                     // (B, T)
        Tensor negA = Masked.fill(advantages.detach(), mask).neg();                        // (B, T)
        Tensor unclipped = negA.mul(ratio);                                                // (B, T)
        Tensor clipped = negA.mul(ratio.clamp(1.0 - epsilon, 1.0 + epsilon));              // (B, T)
        Tensor perToken = Masked.fill(unclipped.maximum(clipped), mask);                   // (B, T)
        Tensor loss = Masked.mean(perToken, mask);                                         // ()
        double clipFraction;
        try (var noGrad = NoGrad.enter()) {
            clipFraction = Masked.mean(Masked.greater(clipped, unclipped), mask).item();
        }
        return new Output(loss, perToken, clipFraction);
    }

    static void checkSameShape(String op, Tensor a, Tensor b, Tensor c) {
        if (!Arrays.equals(a.shape(), b.shape()) || !Arrays.equals(a.shape(), c.shape())) {
            throw new ShapeException(op + ": inputs must share one (B, T) shape, got " + Masked.str(a.shape()) + ", "
                    + Masked.str(b.shape()) + ", " + Masked.str(c.shape()));
        }
    }
}
