package dev.rlhf4j.rlhf.ppo;

import dev.rlhf4j.rlhf.advantage.GeneralizedAdvantageEstimation;
import dev.rlhf4j.rlhf.advantage.Whitening;
import dev.rlhf4j.rlhf.kl.AdaptiveKlController;
import dev.rlhf4j.rlhf.kl.FixedKlController;
import dev.rlhf4j.rlhf.kl.KlController;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import dev.rlhf4j.rlhf.reward.RewardShaping;

/**
 * The mathematical hyper-parameters of RLHF-PPO, with the objects they configure:
 * <pre>
 *   L = L_clip(eps) + valueCoefficient * L_V(valueClip)
 *   r_t = -beta KL_t(klEstimator) + score [t = last],   beta from a fixed or adaptive controller
 *   A = whiten(GAE(gamma, lambda))
 * </pre>
 *
 * @param gamma              GAE discount
 * @param lambda             GAE lambda
 * @param clipRange          policy ratio clip eps
 * @param valueClipRange     value clip c
 * @param valueCoefficient   weight of the value loss
 * @param klCoefficient      initial KL coefficient beta
 * @param klEstimator        the per-token KL estimator of the reward
 * @param adaptiveKlTarget   target KL of the adaptive controller; NaN for a fixed coefficient
 * @param adaptiveKlHorizon  horizon of the adaptive controller (ignored when fixed)
 * @param whitenRewards      scale (not shift) the rewards before GAE
 * @param missingEosPenalty  subtracted from the score of a completion without EOS (0 for none)
 */
public record PpoConfig(double gamma, double lambda, double clipRange, double valueClipRange, double valueCoefficient,
                        double klCoefficient, KlEstimator klEstimator, double adaptiveKlTarget,
                        double adaptiveKlHorizon, boolean whitenRewards, double missingEosPenalty) {

    public ClippedSurrogateLoss policyLoss() {
        return new ClippedSurrogateLoss(clipRange);
    }

    public ClippedValueLoss valueLoss() {
        return new ClippedValueLoss(valueClipRange);
    }

    public GeneralizedAdvantageEstimation gae() {
        return new GeneralizedAdvantageEstimation(gamma, lambda);
    }

    public Whitening advantageWhitening() {
        return Whitening.trl();
    }

    public RewardShaping rewardShaping() {
        return new RewardShaping(klEstimator, Double.POSITIVE_INFINITY, missingEosPenalty, false, Double.POSITIVE_INFINITY);
    }

    /** A fixed controller, or the adaptive one when {@code adaptiveKlTarget} is set. */
    public KlController klController() {
        return Double.isNaN(adaptiveKlTarget)
                ? new FixedKlController(klCoefficient)
                : new AdaptiveKlController(klCoefficient, adaptiveKlTarget, adaptiveKlHorizon);
    }
}
