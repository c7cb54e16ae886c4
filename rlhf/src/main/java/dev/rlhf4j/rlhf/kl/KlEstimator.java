package dev.rlhf4j.rlhf.kl;

import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import java.util.Arrays;

/**
 * Sampled per-token estimators of KL(p || q) from the log-probs of tokens drawn from p (the policy), with
 * {@code r = log p(x) - log q(x)} (Schulman, "Approximating KL Divergence", 2020):
 * <pre>
 *   K1:  k1 = r                          unbiased, high variance, can be negative
 *   K2:  k2 = r^2 / 2                    biased, low variance, >= 0
 *   K3:  k3 = exp(-r) - 1 + r            unbiased, low variance, >= 0 (since e^x >= 1 + x)
 * </pre>
 * Optionally each value is clamped to [-clamp, clamp] (OpenRLHF clamps to 10); the clamp also stops the
 * gradient outside that range (unclamped, k3 overflows to infinity in float32 once r < -88). Masked entries are 0
 * and never reach the exponential. Differentiable with respect to both log-probs.
 */
public enum KlEstimator {
    K1,
    K2,
    K3;

    /** The estimator applied element-wise to log-ratios {@code r = logp - logq}, unmasked and unclamped. (...) */
    public Tensor of(Tensor logRatio) {
        return switch (this) {
            case K1 -> logRatio;                                                           // (...)
            case K2 -> logRatio.mul(logRatio).mul(0.5);                                    // (...)
            case K3 -> logRatio.neg().exp().sub(1.0).add(logRatio);                        // (...)
        };
    }

    /**
     * Per-token estimate, 0 where the mask is 0.
     *
     * @param logp policy log-probs of the sampled tokens     (B, T)
     * @param logq reference log-probs of the same tokens     (B, T)
     * @param mask float 0/1                                   (B, T)
     */
    public Tensor perToken(Tensor logp, Tensor logq, Tensor mask) {
        return perToken(logp, logq, mask, Double.POSITIVE_INFINITY);
    }

    /** As {@link #perToken(Tensor, Tensor, Tensor)}, each value clamped to [-clamp, clamp]. (B, T) */
    public Tensor perToken(Tensor logp, Tensor logq, Tensor mask, double clamp) {
        checkShapes(logp, logq, mask);
        if (!(clamp > 0)) {
            throw new IllegalArgumentException("KL clamp must be positive, got " + clamp);
        }
        Tensor logRatio = Masked.fill(logp.sub(logq), mask);                               // (B, T)
        Tensor k = of(logRatio);                                                           // (B, T)
        Tensor clamped = Double.isInfinite(clamp) ? k : k.clamp(-clamp, clamp);            // (B, T)
        return Masked.fill(clamped, mask);                                                 // (B, T)
    }

    /** Sum of the per-token estimates over each sequence: the sequence-level KL estimate. (B) */
    public Tensor perSequence(Tensor logp, Tensor logq, Tensor mask) {
        return perToken(logp, logq, mask).sum(-1, false);                                  // (B)
    }

    /** As {@link #perSequence(Tensor, Tensor, Tensor)} with clamped per-token values. (B) */
    public Tensor perSequence(Tensor logp, Tensor logq, Tensor mask, double clamp) {
        return perToken(logp, logq, mask, clamp).sum(-1, false);                           // (B)
    }

    private static void checkShapes(Tensor logp, Tensor logq, Tensor mask) {
        if (!Arrays.equals(logp.shape(), logq.shape())) {
            throw new ShapeException("KlEstimator: policy log-probs " + Masked.str(logp.shape())
                    + " and reference log-probs " + Masked.str(logq.shape()) + " differ in shape");
        }
        Masked.check("KlEstimator", logp, mask);
    }
}
