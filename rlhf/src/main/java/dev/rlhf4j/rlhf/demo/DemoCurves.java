package dev.rlhf4j.rlhf.demo;

import java.util.List;

/**
 * The training curves the demo plots, as the trainers' metric streams give them: one value per reward-model epoch,
 * per PPO iteration, per DPO step and per GRPO / RLOO step.
 *
 * @param rmTrainAccuracy reward-model pairwise accuracy on the training pairs, per epoch
 * @param rmHeldoutAccuracy the same on the held-out pairs, per epoch
 * @param ppoProxyReward mean reward-model score of the iteration's rollouts (TRL {@code env/reward_mean})
 * @param ppoGoldReward mean gold reward of the same rollouts
 * @param ppoKl mean KL to the reference per completion (TRL {@code objective/kl})
 * @param dpoMargins mean of beta (chosen - rejected) implicit-reward margin (TRL {@code rewards/margins})
 * @param dpoAccuracy fraction of pairs with a positive margin (TRL {@code rewards/accuracies})
 * @param criticFree the curves of GRPO and RLOO (may be empty)
 */
public record DemoCurves(double[] rmTrainAccuracy, double[] rmHeldoutAccuracy, double[] ppoProxyReward,
                         double[] ppoGoldReward, double[] ppoKl, double[] dpoMargins, double[] dpoAccuracy, List<Online> criticFree) {

    /**
     * An online method's curves per step, as PPO's: the mean reward-model score of the step's rollouts, their mean gold
     * reward and the KL to the reference in nats per completion.
     *
     * @param method the stage's name ({@code grpo}, {@code rloo})
     */
    public record Online(String method, double[] proxyReward, double[] goldReward, double[] kl) {
        public Online {
            proxyReward = checked(method + " proxyReward", proxyReward);
            goldReward = checked(method + " goldReward", goldReward);
            kl = checked(method + " kl", kl);
            sameLength("the " + method + " curves", proxyReward, goldReward);
            sameLength("the " + method + " curves", proxyReward, kl);
        }

        @Override
        public double[] proxyReward() {
            return proxyReward.clone();
        }

        @Override
        public double[] goldReward() {
            return goldReward.clone();
        }

        @Override
        public double[] kl() {
            return kl.clone();
        }
    }

    /** The curves of the reward model, PPO and DPO alone. */
    public DemoCurves(double[] rmTrainAccuracy, double[] rmHeldoutAccuracy, double[] ppoProxyReward, double[] ppoGoldReward,
                      double[] ppoKl, double[] dpoMargins, double[] dpoAccuracy) {
        this(rmTrainAccuracy, rmHeldoutAccuracy, ppoProxyReward, ppoGoldReward, ppoKl, dpoMargins, dpoAccuracy, List.of());
    }

    public DemoCurves {
        rmTrainAccuracy = checked("rmTrainAccuracy", rmTrainAccuracy);
        rmHeldoutAccuracy = checked("rmHeldoutAccuracy", rmHeldoutAccuracy);
        ppoProxyReward = checked("ppoProxyReward", ppoProxyReward);
        ppoGoldReward = checked("ppoGoldReward", ppoGoldReward);
        ppoKl = checked("ppoKl", ppoKl);
        dpoMargins = checked("dpoMargins", dpoMargins);
        dpoAccuracy = checked("dpoAccuracy", dpoAccuracy);
        sameLength("the RM accuracies", rmTrainAccuracy, rmHeldoutAccuracy);
        sameLength("the PPO curves", ppoProxyReward, ppoGoldReward);
        sameLength("the PPO curves", ppoProxyReward, ppoKl);
        sameLength("the DPO curves", dpoMargins, dpoAccuracy);
        criticFree = List.copyOf(criticFree);
    }

    private static double[] checked(String name, double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("DemoCurves: " + name + " is empty; every curve needs at least one point");
        }
        StageSamples.requireFinite("DemoCurves", name, values);
        return values.clone();
    }

    private static void sameLength(String what, double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("DemoCurves: " + what + " have different lengths, " + a.length + " and " + b.length);
        }
    }

    /** sqrt(max(KL, 0)) per PPO iteration: the x axis of Gao et al.'s over-optimisation plot. */
    public double[] ppoSqrtKl() {
        double[] out = new double[ppoKl.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.sqrt(Math.max(0, ppoKl[i]));
        }
        return out;
    }

    @Override
    public double[] rmTrainAccuracy() {
        return rmTrainAccuracy.clone();
    }

    @Override
    public double[] rmHeldoutAccuracy() {
        return rmHeldoutAccuracy.clone();
    }

    @Override
    public double[] ppoProxyReward() {
        return ppoProxyReward.clone();
    }

    @Override
    public double[] ppoGoldReward() {
        return ppoGoldReward.clone();
    }

    @Override
    public double[] ppoKl() {
        return ppoKl.clone();
    }

    @Override
    public double[] dpoMargins() {
        return dpoMargins.clone();
    }

    @Override
    public double[] dpoAccuracy() {
        return dpoAccuracy.clone();
    }
}
