package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.Tensor;

/**
 * SimPO (Meng et al., "Simple Preference Optimization with a Reference-Free Reward", 2024): the implicit reward
 * is the length-normalised policy log-prob itself, with a target margin gamma,
 * <pre>
 *   L = -(1 - ls) log sigmoid(beta d - gamma) - ls log sigmoid(-(beta d - gamma)),
 *   d = mean_t log pi(y_c) - mean_t log pi(y_r)
 * </pre>
 * Use it with {@code PreferenceLogProbs.referenceFree(chosen.mean(), rejected.mean())} (as TRL's CPO trainer
 * with {@code loss_type="simpo"}); the implicit rewards are then beta * mean log pi.
 *
 * @param beta           reward scale
 * @param gamma          target reward margin
 * @param labelSmoothing ls in [0, 0.5)
 */
public record SimPoLoss(double beta, double gamma, double labelSmoothing) implements PreferenceLoss {
    public SimPoLoss {
        if (!(beta > 0) || !(gamma >= 0) || !(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("SimPoLoss needs beta > 0, gamma >= 0 and label smoothing in [0, 0.5), got "
                    + beta + ", " + gamma + ", " + labelSmoothing);
        }
    }

    /** TRL's {@code CPOConfig} with {@code loss_type="simpo"}: beta 0.1, simpo_gamma 0.5. */
    public static SimPoLoss trlDefaults() {
        return new SimPoLoss(0.1, 0.5, 0.0);
    }

    @Override
    public boolean lengthNormalised() {
        return true;
    }

    @Override
    public boolean needsReference() {
        return false;
    }

    @Override
    public Tensor losses(Tensor delta) {
        Tensor logits = delta.mul(beta).sub(gamma);                                        // (B)
        Tensor agree = logits.logSigmoid().mul(-(1.0 - labelSmoothing));                   // (B)
        if (labelSmoothing == 0.0) {
            return agree;
        }
        return agree.sub(logits.neg().logSigmoid().mul(labelSmoothing));                   // (B)
    }
}
