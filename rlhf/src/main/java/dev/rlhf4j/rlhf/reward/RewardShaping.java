package dev.rlhf4j.rlhf.reward;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import java.util.Arrays;

/**
 * The per-token reward PPO maximises in RLHF (Ziegler et al. 2019; TRL, torchtune): a KL penalty on every
 * completion token plus the reward model's score on the last one.
 * <pre>
 *   s'   = s - penalty          if the completion has no EOS token (else s)
 *   s''  = (s' - mean_B s') / sqrt(var_B s' + 1e-8)     if normalizeScores (batch, population variance)
 *   s''' = clip(s'', -scoreClip, scoreClip)
 *   KL_t = estimator(logp_t - logp_ref_t)               (k1 by default; clamped to +-klClamp)
 *   r_t  = -beta KL_t + [t = last completion token] s'''
 * </pre>
 * The last completion token of a row is its last position with mask 1 (an empty row is an error: it would have
 * nowhere to receive its score). Masked positions get reward 0. Rewards are PPO's targets: every output is
 * computed without recording a graph.
 *
 * @param estimator         the per-token KL estimator
 * @param klClamp           clamp of each KL_t to [-klClamp, klClamp]; +infinity for none
 * @param missingEosPenalty subtracted from the score of a completion without EOS (0 for none)
 * @param normalizeScores   standardise the scores over the batch
 * @param scoreClip         clip of the (normalised) scores; +infinity for none
 */
public record RewardShaping(KlEstimator estimator, double klClamp, double missingEosPenalty, boolean normalizeScores,
                            double scoreClip) {
    private static final double NORM_EPS = 1e-8;

    public RewardShaping {
        if (estimator == null || !(klClamp > 0) || !(scoreClip > 0) || !(missingEosPenalty >= 0)) {
            throw new IllegalArgumentException("RewardShaping needs an estimator, klClamp > 0, scoreClip > 0 and missingEosPenalty >= 0, got "
                    + estimator + ", " + klClamp + ", " + scoreClip + ", " + missingEosPenalty);
        }
    }

    /** k1, no clamping, no EOS penalty, raw scores: TRL's PPO defaults and torchtune's {@code get_rewards_ppo}. */
    public static RewardShaping trlDefaults() {
        return new RewardShaping(KlEstimator.K1, Double.POSITIVE_INFINITY, 0.0, false, Double.POSITIVE_INFINITY);
    }

    /**
     * @param rewards   r_t, 0 where masked                       (B, T)
     * @param kl        KL_t, 0 where masked                      (B, T)
     * @param klRewards -beta KL_t (the non-score reward)          (B, T)
     * @param scores    the scores as placed, after penalty/normalisation/clip  (B)
     */
    public record ShapedRewards(Tensor rewards, Tensor kl, Tensor klRewards, Tensor scores) {
    }

    /** As {@link #apply(Tensor, Tensor, Tensor, Tensor, Tensor, double)} with every completion containing EOS. */
    public ShapedRewards apply(Tensor scores, Tensor logp, Tensor refLogp, Tensor mask, double beta) {
        return apply(scores, logp, refLogp, mask, Tensor.ones(DType.FLOAT64, scores.shape()), beta);
    }

    /**
     * @param scores      reward-model scores                       (B)
     * @param logp        policy log-probs of the sampled tokens    (B, T)
     * @param refLogp     reference log-probs of the same tokens    (B, T)
     * @param mask        completion mask, float 0/1                (B, T)
     * @param containsEos 1 where the completion contains EOS       (B)
     * @param beta        the KL coefficient (a {@code KlController}'s current value)
     */
    public ShapedRewards apply(Tensor scores, Tensor logp, Tensor refLogp, Tensor mask, Tensor containsEos, double beta) {
        long[] ms = mask.shape();
        if (ms.length != 2 || scores.rank() != 1 || scores.size(0) != ms[0] || !Arrays.equals(scores.shape(), containsEos.shape())) {
            throw new ShapeException("RewardShaping: expected scores (B), containsEos (B) and mask (B, T), got scores "
                    + Masked.str(scores.shape()) + ", containsEos " + Masked.str(containsEos.shape()) + ", mask " + Masked.str(ms));
        }
        int b = (int) ms[0];
        int t = (int) ms[1];
        int[] last = PaddedBatch.lastIndex(mask);
        double[] placement = new double[b * t];
        for (int i = 0; i < b; i++) {
            if (last[i] < 0) {
                throw new IllegalArgumentException("RewardShaping: row " + i + " of the mask selects no completion token");
            }
            placement[i * t + last[i]] = 1.0;
        }
        try (var noGrad = NoGrad.enter()) {
            Tensor kl = estimator.perToken(logp, refLogp, mask, klClamp);                  // (B, T)
            Tensor klRewards = kl.mul(-beta);                                              // (B, T)
            Tensor penalised = scores.sub(containsEos.mul(-1.0).add(1.0).mul(missingEosPenalty));  // (B)
            Tensor normalised = normalizeScores ? standardise(penalised) : penalised;     // (B)
            Tensor clipped = Double.isInfinite(scoreClip) ? normalised : normalised.clamp(-scoreClip, scoreClip);  // (B)
            Tensor atLast = Tensor.of(placement, DType.FLOAT64, b, t);                     // (B, T)
            Tensor rewards = klRewards.add(atLast.mul(clipped.reshape(b, 1)));             // (B, T)
            DType type = klRewards.dtype();
            return new ShapedRewards(rewards.to(type), kl, klRewards, clipped.to(type));
        }
    }

    private static Tensor standardise(Tensor s) {
        Tensor centered = s.sub(s.mean());                                                 // (B)
        Tensor variance = centered.mul(centered).mean();                                   // ()
        return centered.div(variance.add(NORM_EPS).sqrt());                                // (B)
    }
}
