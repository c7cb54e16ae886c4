package dev.rlhf4j.rlhf.reward;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import java.util.Arrays;

/**
 * The reward-model loss of a Bradley-Terry preference model, P(chosen > rejected) = sigmoid(r_c - r_r)
 * (Ouyang et al. 2022; TRL's {@code RewardTrainer}, with Llama 2's optional margin):
 * <pre>
 *   L = mean_i [ -log sigmoid(r_c,i - r_r,i - m_i) ] + centering * mean_i (r_c,i + r_r,i)^2
 *   accuracy = mean_i [r_c,i > r_r,i]
 * </pre>
 * The centering term (Eisenstein et al. 2023) keeps rewards near zero mean without changing the preferences.
 *
 * @param centeringCoefficient weight of the reward-centering term (0 for none; TRL suggests 0.01)
 */
public record BradleyTerryLoss(double centeringCoefficient) {
    public BradleyTerryLoss {
        if (!(centeringCoefficient >= 0)) {
            throw new IllegalArgumentException("reward centering coefficient must be >= 0, got " + centeringCoefficient);
        }
    }

    /** TRL's {@code RewardConfig} default: no centering. */
    public static BradleyTerryLoss trlDefaults() {
        return new BradleyTerryLoss(0.0);
    }

    /**
     * @param loss     the scalar loss, in the graph of both rewards  ()
     * @param losses   per-pair -log sigmoid(r_c - r_r - m)          (B)
     * @param accuracy fraction of pairs with r_c > r_r
     */
    public record Output(Tensor loss, Tensor losses, double accuracy) {
    }

    /** Without a margin. */
    public Output compute(Tensor chosenRewards, Tensor rejectedRewards) {
        return compute(chosenRewards, rejectedRewards, Tensor.scalar(0.0, chosenRewards.dtype().computeType()));
    }

    /**
     * @param chosenRewards   r_c  (B)
     * @param rejectedRewards r_r  (B)
     * @param margin          m, the annotated preference strength  (B) or a scalar
     */
    public Output compute(Tensor chosenRewards, Tensor rejectedRewards, Tensor margin) {
        long[] c = chosenRewards.shape();
        if (c.length != 1 || !Arrays.equals(c, rejectedRewards.shape()) || !(margin.numel() == 1 || Arrays.equals(c, margin.shape()))) {
            throw new ShapeException("BradleyTerryLoss: expected chosen (B), rejected (B) and margin (B) or scalar, got "
                    + Masked.str(c) + ", " + Masked.str(rejectedRewards.shape()) + ", " + Masked.str(margin.shape()));
        }
        Tensor logits = chosenRewards.sub(rejectedRewards).sub(margin);                    // (B)
        Tensor losses = logits.logSigmoid().neg();                                         // (B)
        Tensor loss = losses.mean();                                                       // ()
        if (centeringCoefficient > 0) {
            Tensor total = chosenRewards.add(rejectedRewards);                             // (B)
            loss = loss.add(total.mul(total).mean().mul(centeringCoefficient));            // ()
        }
        double accuracy;
        try (var noGrad = NoGrad.enter()) {
            accuracy = Masked.greater(chosenRewards, rejectedRewards).mean().item();
        }
        return new Output(loss, losses, accuracy);
    }
}
