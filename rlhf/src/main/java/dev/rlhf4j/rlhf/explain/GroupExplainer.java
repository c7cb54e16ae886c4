package dev.rlhf4j.rlhf.explain;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.PerTokenTable;
import dev.rlhf4j.rlhf.demo.GoldReward;
import dev.rlhf4j.rlhf.grpo.ClipHigherObjective;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages;
import dev.rlhf4j.rlhf.grpo.LossType;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RuleRewards;
import dev.rlhf4j.rlhf.reward.TextReward;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.train.GrpoConfig;
import dev.rlhf4j.rlhf.train.GrpoTrainer;
import dev.rlhf4j.rlhf.train.RlooConfig;
import dev.rlhf4j.rlhf.train.RlooTrainer;
import dev.rlhf4j.rlhf.train.StepObserver;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One step of {@link GrpoTrainer} or {@link RlooTrainer}, shown token by token: the trainer's second step runs with a
 * {@link Recorder} as its observer (the group sampler's batch, log pi_old and log pi_ref; the rewards and advantages
 * as the trainer computes them), then the explainer reads the updated policy once more (no graph) for the new
 * log-probs, the ratios and the loss terms the next pass would see. {@link #GROUPS} prompts x {@link #GENERATIONS}
 * completions; the reward is the demo's gold reward plus the {@code length} rule (so that a group's rewards differ).
 */
public final class GroupExplainer implements AutoCloseable {
    public static final int GROUPS = 2;
    public static final int GENERATIONS = 4;
    public static final int NEW_TOKENS = 8;

    private final boolean grpo;
    private final long seed;
    private final CausalLM policy;
    private final Gpt2Tokenizer tokenizer;
    private final ReferenceModel reference;
    private final GrpoTrainer grpoTrainer;
    private final RlooTrainer rlooTrainer;

    /** GRPO ({@code grpo}) or RLOO on {@code prompts} (at least {@link #GROUPS}). */
    public GroupExplainer(boolean grpo, CausalLM policy, Gpt2Tokenizer tokenizer, List<int[]> prompts, long seed) {
        this.grpo = grpo;
        this.seed = seed;
        this.policy = policy;
        this.tokenizer = tokenizer;
        this.reference = new FrozenCopyReference(policy);
        TextReward gold = (prompt, completion) -> GoldReward.of(completion);
        List<NamedReward> rewards = List.of(new NamedReward("gold", gold.decodedBy(tokenizer::decode)),
                new NamedReward("length", RuleRewards.named("length").decodedBy(tokenizer::decode)));
        double[] weights = {1.0, 1.0};
        this.grpoTrainer = grpo ? new GrpoTrainer(policy, null, reference, rewards, weights, prompts, grpoConfig(seed), (s, m) -> { }) : null;
        this.rlooTrainer = grpo ? null : new RlooTrainer(policy, null, reference, rewards, weights, prompts, rlooConfig(seed), (s, m) -> { });
    }

    /** TRL's GRPO defaults but two steps of 2 x 4 completions of 8 tokens, loss_type grpo, beta 0.04, lr 1e-3. */
    public static GrpoConfig grpoConfig(long seed) {
        return GrpoConfig.trlDefaults().toBuilder().learningRate(1e-3).maxGradNorm(null)
                .perDeviceTrainBatchSize(GROUPS * GENERATIONS).numGenerations(GENERATIONS).maxSteps(2).seed(seed)
                .maxCompletionLength(NEW_TOKENS).beta(0.04).lossType(LossType.GRPO).build();
    }

    /** TRL's RLOO defaults (beta 0.05) but two steps of 2 x 4 completions of 8 tokens, lr 1e-3. */
    public static RlooConfig rlooConfig(long seed) {
        return RlooConfig.trlDefaults().toBuilder().learningRate(1e-3).maxGradNorm(null)
                .perDeviceTrainBatchSize(GROUPS * GENERATIONS).numGenerations(GENERATIONS).maxSteps(2).seed(seed)
                .maxCompletionLength(NEW_TOKENS).build();
    }

    /** One plain (unobserved) step of the trainer. */
    public Map<String, Double> step() {
        return grpo ? grpoTrainer.iterate() : rlooTrainer.iterate();
    }

    /** Runs the first step, then the second observed, and explains the second, showing completion {@code row}. */
    public Explanation explain(int row) {
        step();
        Recorder r = new Recorder();
        Map<String, Double> metrics = observed(r, this::step);
        CompletionBatch batch = r.batch("rollout");
        int b = batch.size();
        int w = batch.batch().length() - 1;
        double[] m = new double[b * w];
        for (int k = 0; k < m.length; k++) {
            m[k] = batch.mask()[k];
        }
        double[] old = r.get("logp");
        double[] ref = r.get("ref_logp");
        double[] rewards = r.get("rewards");
        double[] adv = r.get("advantages");
        double[] newLogp;
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            DType type = policy.dtype().computeType();
            Tensor logits = policy.forward(batch.batch());                                 // (B, T, V)
            newLogp = TokenLogProbs.of(logits, batch.inputIds(), batch.completionMask(type), 1.0).logProbs().toDoubleArray();  // (B, T-1)
        }
        PerTokenTable table = new PerTokenTable(m, b, w).tokens(TinyPolicy.tokenLabels(batch, tokenizer))
                .column("old_logp", "log pi_old(y_t), at sampling", old)
                .column("ref_logp", "log pi_ref(y_t), the frozen reference", ref);
        Map<String, Double> sequence = new LinkedHashMap<>();
        int group = row / GENERATIONS;
        for (int i = group * GENERATIONS; i < (group + 1) * GENERATIONS; i++) {
            sequence.put("r_" + i + (i == row ? " (shown)" : ""), rewards[i]);
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("rewards", "gold + length (weights 1, 1)");
        settings.put("groups x G", GROUPS + " x " + GENERATIONS);
        settings.put("step", 2.0);
        settings.put("seed", seed);
        return grpo ? grpo(table, r, sequence, settings, metrics, row, newLogp, b, w)
                : rloo(table, r, sequence, settings, metrics, row, newLogp, b, w);
    }

    private Explanation grpo(PerTokenTable table, Recorder r, Map<String, Double> sequence, Map<String, Object> settings,
                             Map<String, Double> metrics, int row, double[] newLogp, int b, int w) {
        GrpoConfig c = grpoConfig(seed);
        double[] m = table.mask();
        double[] adv = perToken(r.get("advantages"), m, b, w);
        ClipHigherObjective.Output out;
        double[] kl;
        double[] terms;
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            DType t = policy.dtype().computeType();
            out = new ClipHigherObjective(c.clip().epsilon(), c.clip().clipHigh(), c.beta()).compute(Tensor.of(newLogp, t, b, w),
                    Tensor.of(r.get("logp"), t, b, w), Tensor.of(r.get("ref_logp"), t, b, w), Tensor.of(adv, t, b, w), Tensor.of(m, t, b, w));
            kl = out.kl().toDoubleArray();
            terms = out.perToken().toDoubleArray();
        }
        double[] ratio = new double[b * w];
        for (int k = 0; k < ratio.length; k++) {
            ratio[k] = m[k] * Math.exp(newLogp[k] - r.get("logp")[k]);
        }
        table.column("reward", "r_i = gold + length of the row's completion", perToken(r.get("rewards"), m, b, w))
                .column("adv", "A_i = (r_i - mean_group r) / (std_group r + 1e-4)", adv)
                .column("new_logp", "log pi_new(y_t), the policy after the update", newLogp)
                .column("ratio", "rho_t = exp(new_logp - old_logp)", ratio)
                .column("kl_k3", "k3 = exp(ref_logp - new_logp) - 1 - (ref_logp - new_logp)", kl)
                .column("loss_term", "l_t = -min(rho A, clip(rho, 1-eps, 1+eps_high) A) + beta k3", terms);
        int group = row / GENERATIONS;
        double[] rewards = r.get("rewards");
        double mean = 0;
        for (int i = group * GENERATIONS; i < (group + 1) * GENERATIONS; i++) {
            mean += rewards[i] / GENERATIONS;
        }
        sequence.put("group mean r (the baseline)", mean);
        sequence.put("group std r (unbiased)", new GroupRelativeAdvantages(GENERATIONS, GroupRelativeAdvantages.ScaleRewards.GROUP)
                .groupStd(rewards)[group]);
        for (int i = group * GENERATIONS; i < (group + 1) * GENERATIONS; i++) {
            sequence.put("A_" + i + " = (r_" + i + " - mean) / (std + 1e-4)", r.get("advantages")[i]);
        }
        settings.put("beta", c.beta());
        settings.put("epsilon", c.clip().epsilon());
        settings.put("epsilon_high", c.clip().clipHigh());
        settings.put("loss_type", "grpo: J = 1/G sum_i 1/|o_i| sum_t l_it");
        return new Explanation("grpo", settings, table, Map.of(row, "completion " + row + " of group " + group), GRPO_SOURCES,
                sequence, metrics);
    }

    private Explanation rloo(PerTokenTable table, Recorder r, Map<String, Double> sequence, Map<String, Object> settings,
                             Map<String, Double> metrics, int row, double[] newLogp, int b, int w) {
        RlooConfig c = rlooConfig(seed);
        double[] m = table.mask();
        double[] old = r.get("logp");
        double[] ref = r.get("ref_logp");
        double[] kl = new double[b * w];
        double[] ratio = new double[b];
        double[] terms = new double[b];
        double[] adv = r.get("advantages");
        double[] pen = r.get("penalised_rewards");
        double[] baseline = new double[b];
        for (int i = 0; i < b; i++) {
            double logRatio = 0;
            for (int t = 0; t < w; t++) {
                int k = i * w + t;
                kl[k] = m[k] * (old[k] - ref[k]);
                logRatio += m[k] * (newLogp[k] - old[k]);
            }
            ratio[i] = Math.exp(logRatio);
            terms[i] = -Math.min(ratio[i] * adv[i], Math.min(Math.max(ratio[i], 1 - c.clip().epsilon()), 1 + c.clip().clipHigh()) * adv[i]);
            baseline[i] = pen[i] - adv[i];
        }
        table.column("kl_k1", "old_logp - ref_logp (summed: the sequence's KL)", kl)
                .column("reward", "r_i = gold + length of the row's completion", perToken(r.get("rewards"), m, b, w))
                .column("penalised", "r'_i = r_i - beta sum_t kl_t", perToken(pen, m, b, w))
                .column("baseline", "b_i = mean of r'_j over the other G-1 of the group", perToken(baseline, m, b, w))
                .column("adv", "A_i = r'_i - b_i", perToken(adv, m, b, w))
                .column("new_logp", "log pi_new(y_t), the policy after the update", newLogp)
                .column("ratio", "rho_i = exp(sum_t new_logp - sum_t old_logp), per sequence", perToken(ratio, m, b, w))
                .column("loss_term", "-min(rho_i A_i, clip(rho_i, 1-eps, 1+eps_high) A_i), per sequence", perToken(terms, m, b, w));
        int group = row / GENERATIONS;
        for (int i = group * GENERATIONS; i < (group + 1) * GENERATIONS; i++) {
            sequence.put("r'_" + i + " = r - beta sum kl", pen[i]);
        }
        for (int i = group * GENERATIONS; i < (group + 1) * GENERATIONS; i++) {
            sequence.put("A_" + i + " = r'_" + i + " - mean of the others", adv[i]);
        }
        settings.put("beta", c.beta());
        settings.put("epsilon", c.clip().epsilon());
        settings.put("epsilon_high", c.clip().clipHigh());
        return new Explanation("rloo", settings, table, Map.of(row, "completion " + row + " of group " + group), RLOO_SOURCES,
                sequence, metrics);
    }

    private Map<String, Double> observed(StepObserver r, Supplier<Map<String, Double>> step) {
        if (grpo) {
            grpoTrainer.observe(r);
        } else {
            rlooTrainer.observe(r);
        }
        try {
            return step.get();
        } finally {
            if (grpo) {
                grpoTrainer.observe(StepObserver.NONE);
            } else {
                rlooTrainer.observe(StepObserver.NONE);
            }
        }
    }

    /** A per-row value spread over the row's selected positions. (B, T-1) */
    private static double[] perToken(double[] perRow, double[] m, int b, int w) {
        double[] out = new double[b * w];
        for (int k = 0; k < out.length; k++) {
            out[k] = m[k] * perRow[k / w];
        }
        return out;
    }

    static final Map<String, String> GRPO_SOURCES = Explanations.ordered(
            "old_logp", "GroupSampler#sample -> TokenLogProbs#of",
            "ref_logp", "GroupSampler#sample -> ReferenceModel#logProbs",
            "reward", "GroupSampler#sample (weighted sum of the NamedRewards)",
            "adv", "GroupRelativeAdvantages#of (GrpoTrainer#iterate, step 5)",
            "ratio, kl_k3, loss_term", "ClipHigherObjective#compute (GrpoTrainer#policyStep)",
            "loss", "SequenceMeanAggregation#aggregate");

    static final Map<String, String> RLOO_SOURCES = Explanations.ordered(
            "old_logp", "GroupSampler#sample -> TokenLogProbs#of",
            "ref_logp", "GroupSampler#sample -> ReferenceModel#logProbs",
            "kl_k1, penalised", "LeaveOneOutBaseline#penalised / #sequenceKl",
            "baseline, adv", "LeaveOneOutBaseline#advantages (RlooTrainer#iterate, step 5)",
            "ratio, loss_term", "RlooTrainer#policyStep");

    /** Frees the reference and the optimizer; the policy belongs to the caller. */
    @Override
    public void close() {
        if (grpo) {
            grpoTrainer.release();
        } else {
            rlooTrainer.release();
        }
        reference.close();
    }
}
