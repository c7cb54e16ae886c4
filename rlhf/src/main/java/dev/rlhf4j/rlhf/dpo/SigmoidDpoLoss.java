package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.Tensor;

/**
 * Direct Preference Optimization (Rafailov et al. 2023), with conservative label smoothing (cDPO,
 * Mitchell 2023: the preference label is flipped with probability ls):
 * <pre>
 *   L(d) = -(1 - ls) log sigmoid(beta d) - ls log sigmoid(-beta d)
 * </pre>
 * At d = 0 (policy = reference) L = ln 2; L(d) - L(-d) = -(1 - 2 ls) beta d.
 *
 * @param beta           inverse temperature of the implicit reward
 * @param labelSmoothing ls in [0, 0.5)
 */
public record SigmoidDpoLoss(double beta, double labelSmoothing) implements PreferenceLoss {
    public SigmoidDpoLoss {
        if (!(beta > 0) || !(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("SigmoidDpoLoss needs beta > 0 and label smoothing in [0, 0.5), got " + beta + ", " + labelSmoothing);
        }
    }

    /** TRL's {@code DPOConfig} defaults: beta 0.1, no label smoothing. */
    public static SigmoidDpoLoss trlDefaults() {
        return new SigmoidDpoLoss(0.1, 0.0);
    }

    @Override
    public Tensor losses(Tensor delta) {
        Tensor logits = delta.mul(beta);                                                   // (B)
        Tensor agree = logits.logSigmoid().mul(-(1.0 - labelSmoothing));                   // (B)
        if (labelSmoothing == 0.0) {
            return agree;
        }
        return agree.sub(logits.neg().logSigmoid().mul(labelSmoothing));                   // (B)
    }
}
