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
 *   L = L_clip(eps) + valueCoefficient * L_V(valueClip) + L_H(entropyCoefficient)
 *   r_t = -beta KL_t(klEstimator) + score [t = last],   beta from a fixed or adaptive controller
 *   A = whiten(GAE(gamma, lambda))
 * </pre>
 *
 * @param gamma              GAE discount
 * @param lambda             GAE lambda
 * @param clipRange          policy ratio clip eps
 * @param valueClipRange     value clip c
 * @param valueCoefficient   weight of the value loss
 * @param entropyCoefficient weight of the entropy bonus
 * @param klCoefficient      initial KL coefficient beta
 * @param klEstimator        the per-token KL estimator of the reward
 * @param adaptiveKlTarget   target KL of the adaptive controller; NaN for a fixed coefficient
 * @param adaptiveKlHorizon  horizon of the adaptive controller (ignored when fixed)
 * @param whitenRewards      scale (not shift) the rewards before GAE
 * @param missingEosPenalty  subtracted from the score of a completion without EOS (0 for none)
 */
public record PpoConfig(double gamma, double lambda, double clipRange, double valueClipRange, double valueCoefficient,
                        double entropyCoefficient, double klCoefficient, KlEstimator klEstimator, double adaptiveKlTarget,
                        double adaptiveKlHorizon, boolean whitenRewards, double missingEosPenalty) {

    /** TRL's {@code PPOConfig} defaults: gamma 1, lambda 0.95, clip 0.2 / 0.2, vf_coef 0.1, kl_coef 0.05 fixed, k1. */
    public static PpoConfig trlDefaults() {
        return new PpoConfig(1.0, 0.95, 0.2, 0.2, 0.1, 0.0, 0.05, KlEstimator.K1, Double.NaN, 10_000, false, 0.0);
    }

    /** Ziegler et al. (2019) as in TRL's legacy trainer: adaptive beta from 0.2 towards KL 6 over 10000 samples, vf_coef 0.1. */
    public static PpoConfig ziegler() {
        return new PpoConfig(1.0, 0.95, 0.2, 0.2, 0.1, 0.0, 0.2, KlEstimator.K1, 6.0, 10_000, false, 0.0);
    }

    public PpoConfig withKlEstimator(KlEstimator estimator) {
        return new PpoConfig(gamma, lambda, clipRange, valueClipRange, valueCoefficient, entropyCoefficient, klCoefficient,
                estimator, adaptiveKlTarget, adaptiveKlHorizon, whitenRewards, missingEosPenalty);
    }

    public ClippedSurrogateLoss policyLoss() {
        return new ClippedSurrogateLoss(clipRange);
    }

    public ClippedValueLoss valueLoss() {
        return new ClippedValueLoss(valueClipRange);
    }

    public EntropyBonus entropyBonus() {
        return new EntropyBonus(entropyCoefficient);
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
