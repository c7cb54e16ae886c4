package dev.rlhf4j.rlhf.explain;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.PerTokenTable;
import dev.rlhf4j.rlhf.demo.GoldReward;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.reward.TextReward;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.train.Critic;
import dev.rlhf4j.rlhf.train.PpoTrainer;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
import dev.rlhf4j.rlhf.train.SharedTrunkCritic;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One PPO iteration of {@link PpoTrainer}, shown token by token: the trainer runs {@link PpoTrainer#iterate} with a
 * {@link Recorder} as its observer (steps 2-7 of the iteration, as it computes them), then the explainer reads the
 * updated actor and critic once more (no graph) for the new log-probs, ratios and loss terms the next epoch would see.
 * The iteration explained is the second of the run: after the first the actor has moved away from the reference, so
 * the KL column is not all zeros.
 * The models: the actor, a value head on its trunk ({@link SharedTrunkCritic}), a frozen copy as the reference, and
 * the demo's gold reward ({@link GoldReward}, a rule on the decoded completion).
 */
public final class PpoExplainer implements AutoCloseable {
    private final CausalLM actor;
    private final Gpt2Tokenizer tokenizer;
    private final PpoTrainerConfig config;
    private final Critic critic;
    private final ReferenceModel reference;
    private final PpoTrainer trainer;

    /** The trainer of {@link #config} on {@code prompts} (at least {@link #BATCH}). */
    public PpoExplainer(CausalLM actor, Gpt2Tokenizer tokenizer, List<int[]> prompts, long seed) {
        this.actor = actor;
        this.tokenizer = tokenizer;
        this.config = config(seed);
        this.critic = new SharedTrunkCritic(actor.config().hiddenSize(), actor.dtype(), new TensorRandom(seed), RewardModel.INITIALIZER_RANGE);
        this.reference = new FrozenCopyReference(actor);
        TextReward gold = (prompt, completion) -> GoldReward.of(completion);
        this.trainer = new PpoTrainer(actor, null, critic, reference, gold.decodedBy(tokenizer::decode), prompts, config, (s, m) -> { });
    }

    /** Prompts per iteration. */
    public static final int BATCH = 4;

    /**
     * TRL's PPO defaults but for two iterations of one minibatch of {@link #BATCH} prompts, one PPO epoch, 8 new tokens
     * at temperature 1 and a learning rate large enough (1e-3, decayed linearly) to move the ratios visibly.
     */
    public static PpoTrainerConfig config(long seed) {
        return PpoTrainerConfig.trlDefaults().toBuilder().learningRate(1e-3).perDeviceTrainBatchSize(BATCH).numPpoEpochs(1)
                .maxSteps(2).seed(seed).responseLength(8).temperature(1.0).build();
    }

    /** The critic (a value head on the actor's trunk). */
    public Critic critic() {
        return critic;
    }

    /** The trainer, for a plain (unobserved) step to compare with. */
    public PpoTrainer trainer() {
        return trainer;
    }

    /** Runs the first iteration, then the second observed, and explains the second, showing sequence {@code row}. */
    public Explanation explain(int row) {
        trainer.iterate();
        Recorder r = new Recorder();
        trainer.observe(r);
        Map<String, Double> metrics;
        try {
            metrics = trainer.iterate();
        } finally {
            trainer.observe(dev.rlhf4j.rlhf.train.StepObserver.NONE);
        }
        CompletionBatch batch = r.batch("rollout");
        int b = batch.size();
        int w = batch.batch().length() - 1;
        double[] m = r.get("mask");
        double[] logp = r.get("logp");
        double[] values = r.get("values");
        double[] adv = r.get("whitened_advantages");
        double[] returns = r.get("returns");
        double[] rewards = r.get("rewards");
        // after the update: the actor's and critic's numbers for the same tokens, and the loss terms at them
        double[] newLogp;
        double[] newValues;
        double[] pgTerms;
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            DType type = actor.dtype().computeType();
            Tensor mask = batch.completionMask(type);                                       // (B, T-1)
            Tensor hidden = actor.model().forward(batch.batch());                     // (B, T, C)
            Tensor lp = TokenLogProbs.of(actor.head(hidden), batch.inputIds(), mask, config.rollout().temperature()).logProbs();  // (B, T-1)
            newLogp = lp.toDoubleArray();
            newValues = critic.values(batch.batch(), hidden).to(type).toDoubleArray();     // (B, T-1)
            pgTerms = config.loss().policyLoss().compute(lp, Tensor.of(logp, type, b, w), Tensor.of(adv, type, b, w), mask)
                    .perToken().toDoubleArray();                                           // (B, T-1)
        }
        double gamma = config.loss().gamma();
        double eps = config.loss().cliprange();
        double c = config.loss().cliprangeValue();
        double[] delta = new double[b * w];
        double[] ratio = new double[b * w];
        double[] clipped = new double[b * w];
        double[] vfTerms = new double[b * w];
        for (int i = 0; i < b; i++) {
            for (int s = 0; s < w; s++) {
                int k = i * w + s;
                double next = s + 1 < w ? values[k + 1] * m[k + 1] : 0;                        // V_{t+1}, 0 past the completion
                delta[k] = (rewards[k] + gamma * next - values[k] * m[k]) * m[k];
                ratio[k] = Math.exp(newLogp[k] - logp[k]);
                double clippedTerm = -adv[k] * Math.min(Math.max(ratio[k], 1 - eps), 1 + eps);
                clipped[k] = m[k] != 0 && clippedTerm > -adv[k] * ratio[k] ? 1 : 0;
                double vClip = values[k] + Math.min(Math.max(newValues[k] - values[k], -c), c);
                vfTerms[k] = m[k] * 0.5 * Math.max(square(newValues[k] - returns[k]), square(vClip - returns[k]));
            }
        }
        String k = config.kl().klEstimator().name().toLowerCase(java.util.Locale.ROOT);
        PerTokenTable table = new PerTokenTable(m, b, w).tokens(TinyPolicy.tokenLabels(batch, tokenizer))
                .column("logp", "log pi_old(y_t) = log_softmax(logits / tau)[y_t]", r.get("logp"))
                .column("ref_logp", "log pi_ref(y_t), the frozen reference at tau", r.get("ref_logp"))
                .column("kl_" + k, KL_FORMULAS.get(k), r.get("kl"))
                .column("reward", "r_t = -beta kl_t, + score at the last completion token", rewards)
                .column("value", "V_old(t), the critic before the update", values)
                .column("delta", "delta_t = r_t + gamma V_old(t+1) - V_old(t)", delta)
                .column("adv", "A_t = delta_t + gamma lam A_(t+1)   (GAE)", r.get("advantages"))
                .column("white_adv", "A'_t = (A_t - mean A) / sqrt(var A + 1e-8) over the batch's tokens", adv)
                .column("return", "R_t = A_t + V_old(t)", returns)
                .column("new_logp", "log pi_new(y_t), the actor after the update", newLogp)
                .column("ratio", "rho_t = exp(new_logp - logp)", ratio)
                .column("clipped", "1 if -A' clip(rho, 1-eps, 1+eps) > -A' rho (the clipped term is the max)", clipped)
                .column("pg_term", "max(-A' rho, -A' clip(rho, 1-eps, 1+eps))", pgTerms)
                .column("new_value", "V_new(t), the critic after the update", newValues)
                .column("vf_term", "0.5 max((V_new - R)^2, (V_old + clip(V_new - V_old, -c, c) - R)^2)", vfTerms);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("beta (kl_coef)", metrics.get("objective/kl_coef"));
        settings.put("kl_estimator", k);
        settings.put("gamma", gamma);
        settings.put("lam", config.loss().lam());
        settings.put("eps (cliprange)", eps);
        settings.put("c (cliprange_value)", c);
        settings.put("vf_coef", config.loss().vfCoef());
        settings.put("temperature tau", config.rollout().temperature());
        settings.put("learning_rate", config.optimization().learningRate());
        settings.put("iteration", (double) trainer.iteration());
        settings.put("batch", b);
        settings.put("seed", config.batches().seed());
        Map<String, Double> sequence = new LinkedHashMap<>();
        sequence.put("score (gold reward of the completion)", r.get("scores")[row]);
        sequence.put("sum kl", rowSum(r.get("kl"), m, row, w));
        sequence.put("sum reward", rowSum(rewards, m, row, w));
        sequence.put("batch: pg loss after = mean pg_term", Explanations.maskedMean(pgTerms, m));
        sequence.put("batch: vf loss after = mean vf_term", Explanations.maskedMean(vfTerms, m));
        return new Explanation("ppo", settings, table, Map.of(row, "sequence " + row), SOURCES, sequence, metrics);
    }

    private static final Map<String, String> KL_FORMULAS = Map.of("k1", "logp - ref_logp", "k2", "0.5 (logp - ref_logp)^2",
            "k3", "exp(ref_logp - logp) - 1 - (ref_logp - logp)");

    /** Where each column is computed. */
    static final Map<String, String> SOURCES = Explanations.ordered(
            "logp", "PpoTrainer#iterate (step 4) -> TokenLogProbs#of",
            "ref_logp", "ReferenceModel#logProbs (FrozenCopyReference)",
            "kl_k1", "RewardShaping#apply -> KlEstimator#perToken",
            "reward", "RewardShaping#apply",
            "value", "Critic#values (SharedTrunkCritic)",
            "delta", "GeneralizedAdvantageEstimation#truncated (shown by PpoExplainer#explain)",
            "adv", "GeneralizedAdvantageEstimation#estimate",
            "white_adv", "Whitening#apply",
            "return", "GeneralizedAdvantageEstimation#estimate",
            "new_logp", "TokenLogProbs#of on the updated actor",
            "ratio", "ClippedSurrogateLoss#compute",
            "clipped", "ClippedSurrogateLoss#compute (clipFraction)",
            "pg_term", "ClippedSurrogateLoss#compute (perToken)",
            "new_value", "Critic#values on the updated critic",
            "vf_term", "ClippedValueLoss#compute");

    private static double rowSum(double[] x, double[] m, int row, int w) {
        double s = 0;
        for (int t = 0; t < w; t++) {
            s += x[row * w + t] * m[row * w + t];
        }
        return s;
    }

    private static double square(double x) {
        return x * x;
    }

    /** Frees the critic, the reference and the optimizer; the actor belongs to the caller. */
    @Override
    public void close() {
        trainer.release();
        critic.close();
        reference.close();
    }
}
