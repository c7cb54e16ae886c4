package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.reward.RewardShaping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Per micro-batch statistics of a PPO iteration, averaged as TRL's {@code *_avg} metrics. */
final class PpoStats {
    private final List<double[]> rows = new ArrayList<>();      // approxkl, clipfrac, pg, vf, vclip, entropy, ratio

    void add(PpoTrainer.PolicyStep p, double pgLoss, double vfLoss, double vfClip) {
        rows.add(new double[] {p.approxKl(), p.clipFraction(), pgLoss, vfLoss, vfClip, p.entropy(), p.ratio()});
    }

    void report(Map<String, Double> m) {
        String[] names = {"policy/approxkl_avg", "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg", "val/clipfrac_avg",
            "policy/entropy_avg", "val/ratio"};
        for (int k = 0; k < names.length; k++) {
            m.put(names[k], mean(k));
        }
        double mean = mean(6);
        double ss = 0;
        for (double[] r : rows) {
            ss += (r[6] - mean) * (r[6] - mean);
        }
        m.put("val/ratio_var", rows.size() > 1 ? ss / (rows.size() - 1) : 0.0);
    }

    /** TRL's objective/* metrics of the rollout: per-sequence sums averaged over the batch. */
    static void objectives(Map<String, Double> m, RewardShaping.ShapedRewards shaped, Tensor logp, Tensor mask) {
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            double klSum = Masked.rowSum(shaped.kl(), mask).mean().item();
            double nonScore = Masked.rowSum(shaped.klRewards(), mask).mean().item();
            double scores = shaped.scores().mean().item();
            m.put("objective/kl", klSum);
            m.put("objective/entropy", Masked.rowSum(logp.neg(), mask).mean().item());
            m.put("objective/non_score_reward", nonScore);
            m.put("objective/rlhf_reward", nonScore + scores);
            m.put("objective/scores", scores);
        }
    }

    private double mean(int k) {
        double s = 0;
        for (double[] r : rows) {
            s += r[k];
        }
        return s / rows.size();
    }
}
