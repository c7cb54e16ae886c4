package dev.rlhf4j.rlhf.rloo;

/**
 * REINFORCE Leave-One-Out (Kool et al. 2019; Ahmadian et al. 2024, "Back to Basics"; TRL's {@code RLOOTrainer}): the
 * baseline of each of a prompt's G completions is the mean reward of the other G - 1, after the sequence-level KL
 * penalty is folded into the reward:
 * <pre>
 *   r'_i = r_i - beta sum_t (logp_old_it - logp_ref_it)
 *   A_i  = r'_i - 1/(G-1) sum_{j != i} r'_j   =  G/(G-1) (r'_i - mean(r'_group))
 *   normalize_advantages:  A = (A - mean(A)) / (std(A) + 1e-8)      over the batch, torch's unbiased std
 * </pre>
 * A group whose penalised rewards are all equal gets zero advantage.
 *
 * @param groupSize G, TRL's {@code num_generations} (at least 2)
 */
public record LeaveOneOutBaseline(int groupSize) {
    public LeaveOneOutBaseline {
        if (groupSize < 2) {
            throw new IllegalArgumentException("num_generations must be >= 2 for a leave-one-out baseline, got " + groupSize);
        }
    }

    /**
     * The rewards with the KL penalty folded in.
     *
     * @param refLogProbs per row its completion's reference log-probs; null (with beta 0) for no penalty
     */
    public static double[] penalised(double[] rewards, double[][] logProbs, double[][] refLogProbs, double beta) {
        double[] out = rewards.clone();
        if (refLogProbs == null) {
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] -= beta * sequenceKl(logProbs[i], refLogProbs[i]);
        }
        return out;
    }

    /** {@code sum_t (logp_old_t - logp_ref_t)}: the sequence's k1 estimate of KL to the reference. */
    public static double sequenceKl(double[] logProbs, double[] refLogProbs) {
        double s = 0;
        for (int t = 0; t < logProbs.length; t++) {
            s += logProbs[t] - refLogProbs[t];
        }
        return s;
    }

    /** Each reward minus the mean of the other rewards of its group; the length must be a multiple of G. */
    public double[] advantages(double[] rewards) {
        if (rewards.length == 0 || rewards.length % groupSize != 0) {
            throw new IllegalArgumentException("RLOO: " + rewards.length + " rewards do not form groups of num_generations " + groupSize);
        }
        double[] a = new double[rewards.length];
        for (int g = 0; g < rewards.length / groupSize; g++) {
            double sum = 0;
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                sum += rewards[i];
            }
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                a[i] = rewards[i] - (sum - rewards[i]) / (groupSize - 1);
            }
        }
        return a;
    }

    /** {@code (A - mean(A)) / (std(A) + 1e-8)} over the whole batch. */
    public static double[] normalized(double[] a) {
        double mean = 0;
        for (double v : a) {
            mean += v / a.length;
        }
        double ss = 0;
        for (double v : a) {
            ss += (v - mean) * (v - mean);
        }
        double std = a.length > 1 ? Math.sqrt(ss / (a.length - 1)) : 0.0;
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (a[i] - mean) / (std + 1e-8);
        }
        return out;
    }
}
