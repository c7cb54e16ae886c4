package dev.rlhf4j.rlhf.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's figures, as {@code summary.json} holds them: the reward model's held-out pairwise accuracy and the
 * correlation of its scores with the gold reward, and for each stage the mean gold reward with its 95% confidence
 * interval, the mean reward-model score, the KL divergence to the reference and, for every stage after SFT,
 * Welch's p-value against SFT and the gain over SFT in units of SFT's gold-reward standard deviation.
 *
 * <p>A stage "beats SFT" (the acceptance) when its gain is at least {@link #MIN_GAIN_IN_SFT_SD}, its
 * p-value below {@link #MAX_P_VALUE} and its KL to the reference at most {@code klBound}. The demo's verdict
 * ({@link #accepted}) asks it of the {@link #GATED} stages, PPO and DPO; GRPO and RLOO get the same verdict, reported
 * beside. The stages are also ranked by gold reward gained over SFT per nat of KL to the reference
 * ({@link #goldGainPerKl}, {@link #bestGoldGainPerKl}).
 *
 * @param seed the demo's seed
 * @param seconds wall time of the run (the only figure a seed does not reproduce)
 * @param rmHeldoutAccuracy fraction of held-out pairs whose chosen completion the reward model scores higher
 * @param rmGoldPearson Pearson's r between reward-model score and gold reward on held-out completions
 * @param rmGoldSpearman Spearman's rho between the same
 * @param heldoutSamples how many held-out completions the correlations use
 * @param klBound the bound on KL to the reference (nats per completion) that the report states
 * @param stages one entry per stage, SFT first
 * @param stageSeconds wall time of each step of the pipeline, in its order (like {@code seconds}, not reproduced by a seed)
 */
public record DemoSummary(long seed, double seconds, double rmHeldoutAccuracy, double rmGoldPearson, double rmGoldSpearman,
                          int heldoutSamples, double klBound, List<StageSummary> stages, Map<String, Double> stageSeconds) {
    /** The stages the demo's verdict requires to beat SFT. */
    public static final List<String> GATED = List.of("ppo", "dpo");
    /** The smallest gain over SFT, in SFT gold-reward standard deviations, that counts. */
    public static final double MIN_GAIN_IN_SFT_SD = 0.5;
    /** The largest p-value that counts as a significant gain. */
    public static final double MAX_P_VALUE = 0.01;

    /**
     * One stage's figures.
     *
     * @param pValueVsSft Welch's two-sided p-value against SFT's gold rewards (NaN for SFT itself)
     * @param gainInSftSd (mean - SFT mean) / SFT standard deviation (0 for SFT)
     */
    public record StageSummary(String stage, int n, double goldRewardMean, double goldRewardSd, double goldRewardCiLow,
                               double goldRewardCiHigh, double rmScoreMean, double klToReference, double pValueVsSft,
                               double gainInSftSd) {
        public boolean isSft() {
            return stage.equals("sft");
        }

        /** Whether this stage meets the acceptance against SFT under {@code klBound}. */
        public boolean beatsSft(double klBound) {
            return !isSft() && gainInSftSd >= MIN_GAIN_IN_SFT_SD && pValueVsSft < MAX_P_VALUE && klToReference <= klBound;
        }
    }

    public DemoSummary {
        stages = List.copyOf(stages);
        stageSeconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stageSeconds));
    }

    /** The figures without a time split per stage. */
    public static DemoSummary of(long seed, double seconds, double rmHeldoutAccuracy, double[] heldoutRmScores,
                                 double[] heldoutGold, double klBound, List<StageSamples> stages) {
        return of(seed, seconds, rmHeldoutAccuracy, heldoutRmScores, heldoutGold, klBound, stages, Map.of());
    }

    /**
     * Computes the figures (with {@link DemoStatistics}) from the evaluation samples of each stage, SFT first, and
     * the reward model's scores and gold rewards of the held-out completions.
     */
    public static DemoSummary of(long seed, double seconds, double rmHeldoutAccuracy, double[] heldoutRmScores,
                                 double[] heldoutGold, double klBound, List<StageSamples> stages, Map<String, Double> stageSeconds) {
        if (stages.isEmpty() || !stages.get(0).stage().equals("sft")) {
            throw new IllegalArgumentException("DemoSummary: the first stage must be 'sft', got "
                    + stages.stream().map(StageSamples::stage).toList());
        }
        for (StageSamples s : stages) {
            if (!s.prompts().equals(stages.get(0).prompts())) {
                throw new IllegalArgumentException("DemoSummary: stage '" + s.stage() + "' was evaluated on other prompts than sft");
            }
        }
        if (!(rmHeldoutAccuracy >= 0 && rmHeldoutAccuracy <= 1)) {
            throw new IllegalArgumentException("DemoSummary: rmHeldoutAccuracy must be in [0, 1], got " + rmHeldoutAccuracy);
        }
        double[] sftGold = stages.get(0).goldRewards();
        DemoStatistics.Estimate sft = DemoStatistics.estimate(sftGold);
        List<StageSummary> out = new ArrayList<>();
        for (StageSamples s : stages) {
            DemoStatistics.Estimate e = DemoStatistics.estimate(s.goldRewards());
            boolean isSft = out.isEmpty();
            double p = isSft ? Double.NaN : DemoStatistics.welchPValue(s.goldRewards(), sftGold);
            double gain = isSft ? 0 : (e.mean() - sft.mean()) / sft.sd();
            out.add(new StageSummary(s.stage(), e.n(), e.mean(), e.sd(), e.ciLow(), e.ciHigh(),
                    DemoStatistics.mean(s.rmScores()), s.klToReference(), p, gain));
        }
        return new DemoSummary(seed, seconds, rmHeldoutAccuracy, DemoStatistics.pearson(heldoutRmScores, heldoutGold),
                DemoStatistics.spearman(heldoutRmScores, heldoutGold), heldoutRmScores.length, klBound, out, stageSeconds);
    }

    /** The stage called {@code name}. */
    public StageSummary stage(String name) {
        return stages.stream().filter(s -> s.stage().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("DemoSummary: no stage '" + name + "' among "
                        + stages.stream().map(StageSummary::stage).toList()));
    }

    /** Whether the {@link #GATED} stages (those present) beat SFT and the reward model reaches {@code minRmAccuracy}. */
    public boolean accepted(double minRmAccuracy) {
        return rmHeldoutAccuracy >= minRmAccuracy
                && stages.stream().filter(s -> GATED.contains(s.stage())).allMatch(s -> s.beatsSft(klBound));
    }

    /**
     * Gold reward gained over SFT per nat of KL to the reference, {@code (mean - SFT mean) / KL}: what a stage bought
     * with its drift. NaN for SFT and for a stage whose KL is not positive.
     */
    public double goldGainPerKl(StageSummary s) {
        return s.isSft() || !(s.klToReference() > 0) ? Double.NaN
                : (s.goldRewardMean() - stages.get(0).goldRewardMean()) / s.klToReference();
    }

    /** The stage with the most gold reward gained per nat of KL, if any stage after SFT has a positive KL. */
    public Optional<StageSummary> bestGoldGainPerKl() {
        return stages.stream().filter(s -> Double.isFinite(goldGainPerKl(s))).max(Comparator.comparingDouble(this::goldGainPerKl));
    }

    /**
     * The JSON of summary.json, keys in a fixed order; numbers as Jackson writes doubles, and null for a figure
     * that is undefined (NaN), so the same run gives the same bytes.
     */
    public ObjectNode toJson() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("seed", seed);
        number(root, "seconds", seconds);
        ObjectNode split = root.putObject("seconds_per_stage");
        stageSeconds.forEach((stage, t) -> number(split, stage, t));
        number(root, "rm_heldout_accuracy", rmHeldoutAccuracy);
        number(root, "rm_gold_pearson", rmGoldPearson);
        number(root, "rm_gold_spearman", rmGoldSpearman);
        root.put("heldout_samples", heldoutSamples);
        number(root, "kl_bound", klBound);
        Optional<StageSummary> best = bestGoldGainPerKl();
        if (best.isPresent()) {
            root.put("best_gold_gain_per_kl", best.get().stage());
        } else {
            root.putNull("best_gold_gain_per_kl");
        }
        for (StageSummary s : stages) {
            ObjectNode stage = root.putObject(s.stage());
            stage.put("n", s.n());
            number(stage, "gold_reward_mean", s.goldRewardMean());
            number(stage, "gold_reward_sd", s.goldRewardSd());
            ArrayNode ci = stage.putArray("gold_reward_ci95");
            ci.add(s.goldRewardCiLow());
            ci.add(s.goldRewardCiHigh());
            number(stage, "rm_score_mean", s.rmScoreMean());
            number(stage, "kl_to_reference", s.klToReference());
            if (!s.isSft()) {
                number(stage, "p_value_vs_sft", s.pValueVsSft());
                number(stage, "gold_gain_in_sft_sd", s.gainInSftSd());
                number(stage, "gold_gain_per_kl", goldGainPerKl(s));
                stage.put("beats_sft", s.beatsSft(klBound));
            }
        }
        return root;
    }

    private static void number(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }
}
