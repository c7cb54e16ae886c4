package dev.rlhf4j.rlhf.grpo;

/**
 * GRPO's advantage without a critic (Shao et al. 2024, eq. 3; TRL's {@code GRPOTrainer}): the reward of each
 * completion relative to the other completions of its prompt. With G completions per prompt in consecutive rows,
 * <pre>
 *   A_i = (r_i - mean(r_group))                          scale_rewards none   (Dr. GRPO, Liu et al. 2025)
 *   A_i = (r_i - mean(r_group)) / (std(r_group) + 1e-4)  scale_rewards group  (the paper)
 *   A_i = (r_i - mean(r_group)) / (std(r) + 1e-4)        scale_rewards batch  (std over the whole batch)
 * </pre>
 * with torch's unbiased std. Each group's advantages sum to zero and do not change when a constant is added to the
 * group's rewards.
 *
 * @param groupSize G, TRL's {@code num_generations} (at least 2: a group of one has no baseline)
 * @param scale     how the centred rewards are scaled
 */
public record GroupRelativeAdvantages(int groupSize, ScaleRewards scale) {
    /** TRL's {@code scale_rewards}. */
    public enum ScaleRewards { GROUP, BATCH, NONE }

    public static final double EPS = 1e-4;

    public GroupRelativeAdvantages {
        if (groupSize < 2) {
            throw new IllegalArgumentException("num_generations must be >= 2 for a group baseline, got " + groupSize);
        }
    }

    /** The advantages of {@code rewards}, whose length is a multiple of the group size. */
    public double[] of(double[] rewards) {
        double[] groupStd = groupStd(rewards);
        double batchStd = std(rewards, 0, rewards.length);
        double[] a = new double[rewards.length];
        for (int g = 0; g < rewards.length / groupSize; g++) {
            double mean = mean(rewards, g * groupSize, groupSize);
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                a[i] = rewards[i] - mean;
                if (scale == ScaleRewards.GROUP) {
                    a[i] /= groupStd[g] + EPS;
                } else if (scale == ScaleRewards.BATCH) {
                    a[i] /= batchStd + EPS;
                }
            }
        }
        return a;
    }

    /** The unbiased std of each group's rewards. */
    public double[] groupStd(double[] rewards) {
        if (rewards.length == 0 || rewards.length % groupSize != 0) {
            throw new IllegalArgumentException("GRPO: " + rewards.length + " rewards do not form groups of num_generations " + groupSize);
        }
        double[] s = new double[rewards.length / groupSize];
        for (int g = 0; g < s.length; g++) {
            s[g] = std(rewards, g * groupSize, groupSize);
        }
        return s;
    }

    /** TRL's {@code frac_reward_zero_std}: the fraction of groups whose rewards are all equal (no learning signal). */
    public double zeroStdFraction(double[] rewards) {
        double n = 0;
        double[] s = groupStd(rewards);
        for (double v : s) {
            n += Math.abs(v) <= 1e-8 ? 1 : 0;
        }
        return n / s.length;
    }

    private static double mean(double[] x, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) {
            s += x[i];
        }
        return s / n;
    }

    private static double std(double[] x, int from, int n) {
        double mean = mean(x, from, n);
        double ss = 0;
        for (int i = from; i < from + n; i++) {
            ss += (x[i] - mean) * (x[i] - mean);
        }
        return n > 1 ? Math.sqrt(ss / (n - 1)) : 0.0;
    }
}
