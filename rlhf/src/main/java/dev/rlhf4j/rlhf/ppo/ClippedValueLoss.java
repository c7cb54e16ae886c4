package dev.rlhf4j.rlhf.ppo;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;

/**
 * PPO's clipped value loss (as in OpenAI baselines' ppo2 and TRL), a masked mean over tokens:
 * <pre>
 *   V_clip = V_old + clip(V - V_old, -c, c)
 *   L      = 0.5 masked_mean_t max((V_t - R_t)^2, (V_clip,t - R_t)^2)
 *   clipFraction = masked_mean_t [ (V_clip - R)^2 > (V - R)^2 ]
 * </pre>
 * The new value cannot earn credit for moving more than c away from the value it had at sampling time.
 * Differentiable with respect to {@code values}; old values and returns are constants.
 *
 * @param clipRange c (TRL's {@code cliprange_value}, 0.2)
 */
public record ClippedValueLoss(double clipRange) {
    public ClippedValueLoss {
        if (!(clipRange > 0)) {
            throw new IllegalArgumentException("value clip range must be > 0, got " + clipRange);
        }
    }

    /**
     * @param loss         0.5 times the masked mean, in the graph of the values  ()
     * @param clipFraction fraction of selected tokens where the clipped error is the larger one
     */
    public record Output(Tensor loss, double clipFraction) {
    }

    /**
     * @param values    V_t from the current value head                    (B, T)
     * @param oldValues V_old,t recorded when the batch was sampled         (B, T)
     * @param returns   R_t, the GAE value targets                          (B, T)
     * @param mask      float 0/1                                           (B, T)
     */
    public Output compute(Tensor values, Tensor oldValues, Tensor returns, Tensor mask) {
        ClippedSurrogateLoss.checkSameShape("ClippedValueLoss", values, oldValues, returns);
        Masked.check("ClippedValueLoss", values, mask);
        Tensor v = Masked.fill(values, mask);                                              // (B, T)
        Tensor old = Masked.fill(oldValues.detach(), mask);                                // (B, T)
        Tensor target = Masked.fill(returns.detach(), mask);                               // (B, T)
        Tensor clippedV = old.add(v.sub(old).clamp(-clipRange, clipRange));                // (B, T)
        Tensor err = v.sub(target);                                                        // (B, T)
        Tensor errClipped = clippedV.sub(target);                                          // (B, T)
        Tensor sq = err.mul(err);                                                          // (B, T)
        Tensor sqClipped = errClipped.mul(errClipped);                                     // (B, T)
        Tensor loss = Masked.mean(sq.maximum(sqClipped), mask).mul(0.5);                   // ()
        double clipFraction;
        try (var noGrad = NoGrad.enter()) {
            clipFraction = Masked.mean(Masked.greater(sqClipped, sq), mask).item();
        }
        return new Output(loss, clipFraction);
    }
}
