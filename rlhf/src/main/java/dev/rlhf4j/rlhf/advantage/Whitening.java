package dev.rlhf4j.rlhf.advantage;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;

/**
 * Masked whitening (TRL's {@code masked_whiten}), with mean and variance taken over every selected entry of
 * the batch:
 * <pre>
 *   w = (x - mean) / sqrt(var + eps)          shiftMean = true
 *   w = (x - mean) / sqrt(var + eps) + mean   shiftMean = false (rescales only; used for rewards)
 * </pre>
 * where var is {@link Masked#variance} (unbiased by n/(n-1) when {@code unbiased}, as TRL). Masked outputs are
 * 0. Differentiable, though it is normally applied to detached advantages.
 *
 * @param shiftMean subtract the mean (true for advantages)
 * @param unbiased  Bessel's correction on the variance
 * @param epsilon   added to the variance before the square root
 */
public record Whitening(boolean shiftMean, boolean unbiased, double epsilon) {
    public Whitening {
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("whitening epsilon must be >= 0, got " + epsilon);
        }
    }

    /** TRL's advantage whitening: shift the mean, unbiased variance, eps 1e-8. */
    public static Whitening trl() {
        return new Whitening(true, true, 1e-8);
    }

    /** TRL's reward whitening ({@code whiten_rewards}): scale only, keep the mean. */
    public static Whitening trlRewards() {
        return new Whitening(false, true, 1e-8);
    }

    /**
     * @param x    values  (B, T)
     * @param mask float 0/1  (B, T)
     * @return whitened values, 0 where masked  (B, T)
     */
    public Tensor apply(Tensor x, Tensor mask) {
        Masked.check("Whitening", x, mask);
        Tensor selected = Masked.fill(x, mask);                                            // (B, T)
        Tensor mean = Masked.mean(selected, mask);                                         // ()
        Tensor variance = Masked.variance(selected, mask, unbiased);                       // ()
        Tensor scaled = selected.sub(mean).div(variance.add(epsilon).sqrt());                     // (B, T)
        Tensor shifted = shiftMean ? scaled : scaled.add(mean);                            // (B, T)
        return Masked.fill(shifted, mask);                                                 // (B, T)
    }
}
