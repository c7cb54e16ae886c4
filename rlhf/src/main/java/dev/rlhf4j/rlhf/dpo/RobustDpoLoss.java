package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.Tensor;

/**
 * Robust DPO (Chowdhury et al., "Provably Robust DPO", 2024): an unbiased estimate of the DPO loss when each
 * preference label is flipped with known probability eps,
 * <pre>
 *   L(d) = ( -(1 - eps) log sigmoid(beta d) + eps log sigmoid(-beta d) ) / (1 - 2 eps)
 * </pre>
 * At eps = 0 it is the sigmoid DPO loss.
 *
 * @param beta           inverse temperature of the implicit reward
 * @param labelSmoothing the label flip rate eps in [0, 0.5)
 */
public record RobustDpoLoss(double beta, double labelSmoothing) implements PreferenceLoss {
    public RobustDpoLoss {
        if (!(beta > 0) || !(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("RobustDpoLoss needs beta > 0 and label smoothing in [0, 0.5), got " + beta + ", " + labelSmoothing);
        }
    }

    @Override
    public Tensor losses(Tensor delta) {
        Tensor logits = delta.mul(beta);                                                   // (B)
        Tensor agree = logits.logSigmoid().mul(-(1.0 - labelSmoothing));                   // (B)
        Tensor flipped = logits.neg().logSigmoid().mul(labelSmoothing);                    // (B)
        return agree.add(flipped).div(1.0 - 2.0 * labelSmoothing);                         // (B)
    }
}
