package dev.rlhf4j.rlhf.explain;

import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.PerTokenTable;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoTrainer;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One optimizer step of {@link DpoTrainer}, shown token by token: the trainer's {@link DpoTrainer#train} runs one step
 * with a {@link Recorder} as its observer, which sees the per-token log-probs of the policy and of the reference
 * (a frozen copy) on the 2B rows (B chosen, then B rejected), their sums, and the sigmoid loss's per-pair outputs.
 * The step explained is the second of the run: after the first the policy has moved away from the reference, so the
 * log-ratios are not all zeros.
 */
public final class DpoExplainer implements AutoCloseable {
    /** Pairs per step. */
    public static final int BATCH = 4;

    private final Gpt2Tokenizer tokenizer;
    private final List<PreferenceExample> pairs;
    private final DpoConfig config;
    private final ReferenceModel reference;
    private final DpoTrainer trainer;

    /** The trainer of {@link #config} on {@code pairs} (at least {@link #BATCH}; the first step's batch is explained). */
    public DpoExplainer(CausalLM policy, Gpt2Tokenizer tokenizer, List<PreferenceExample> pairs, long seed) {
        if (pairs.size() < BATCH) {
            throw new IllegalArgumentException("explain dpo: needs at least " + BATCH + " preference pairs, got " + pairs.size());
        }
        this.tokenizer = tokenizer;
        this.pairs = List.copyOf(pairs);
        this.config = config(seed, policy.config().maxPositions());
        this.reference = new FrozenCopyReference(policy);
        this.trainer = DpoTrainer.of(policy, reference, config);
    }

    /** TRL's DPO defaults (sigmoid loss, beta 0.1) for two steps of {@link #BATCH} pairs at learning rate 1e-3. */
    public static DpoConfig config(long seed, int positions) {
        return DpoConfig.trlDefaults().toBuilder().learningRate(1e-3).perDeviceTrainBatchSize(BATCH).gradientAccumulationSteps(1)
                .maxSteps(2).maxLength(positions).maxPromptLength(positions / 2).seed(seed).build();
    }

    /** The trainer, for a plain (unobserved) step to compare with. */
    public DpoTrainer trainer() {
        return trainer;
    }

    /** The pairs the trainer trains on. */
    public List<PreferenceExample> pairs() {
        return pairs;
    }

    /** Runs the two steps, the second observed, and explains the second, showing pair {@code pair} of its batch. */
    public Explanation explain(int pair) {
        Recorder r = new Recorder();
        Map<String, Double> metrics = new LinkedHashMap<>();
        try {
            trainer.train(pairs, (step, m) -> metrics.putAll(m), step -> trainer.observe(r));
        } finally {
            trainer.observe(dev.rlhf4j.rlhf.train.StepObserver.NONE);
        }
        CompletionBatch rows = r.batch("pairs");
        int b = rows.size() / 2;
        int w = rows.batch().length() - 1;
        double[] m = r.get("mask");
        double[] logp = r.get("policy_token_logps");
        double[] ref = r.get("reference_token_logps");
        double[] logRatio = new double[logp.length];
        for (int k = 0; k < logp.length; k++) {
            logRatio[k] = (logp[k] - ref[k]) * m[k];
        }
        PerTokenTable table = new PerTokenTable(m, 2 * b, w).tokens(TinyPolicy.tokenLabels(rows, tokenizer))
                .column("logp", "log pi(y_t) = log_softmax(logits)[y_t]", logp)
                .column("ref_logp", "log ref(y_t), the frozen reference", ref)
                .column("log_ratio", "log pi(y_t) - log ref(y_t)", logRatio);
        double beta = config.objective().beta();
        double[] policy = r.get("policy_logps");
        double[] reference = r.get("reference_logps");
        double chosen = policy[pair] - reference[pair];
        double rejected = policy[b + pair] - reference[b + pair];
        Map<String, Double> sequence = new LinkedHashMap<>();
        sequence.put("log pi(y_c|x) = sum logp (chosen)", policy[pair]);
        sequence.put("log ref(y_c|x) = sum ref_logp (chosen)", reference[pair]);
        sequence.put("log pi(y_r|x) = sum logp (rejected)", policy[b + pair]);
        sequence.put("log ref(y_r|x) = sum ref_logp (rejected)", reference[b + pair]);
        sequence.put("chosen log-ratio = sum log_ratio (chosen)", chosen);
        sequence.put("rejected log-ratio = sum log_ratio (rejected)", rejected);
        sequence.put("chosen reward = beta * chosen log-ratio", r.get("chosen_rewards")[pair]);
        sequence.put("rejected reward = beta * rejected log-ratio", r.get("rejected_rewards")[pair]);
        sequence.put("margin = chosen reward - rejected reward", r.get("chosen_rewards")[pair] - r.get("rejected_rewards")[pair]);
        sequence.put("loss = -log sigmoid(margin)", r.get("losses")[pair]);
        sequence.put("batch: loss = mean over pairs", r.get("loss")[0]);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("beta", beta);
        settings.put("loss_type", config.objective().lossType().trlName());
        settings.put("label_smoothing", config.objective().labelSmoothing());
        settings.put("learning_rate", config.optimization().learningRate());
        settings.put("step", (double) trainer.steps());
        settings.put("pairs", b);
        settings.put("seed", config.batching().seed());
        Map<Integer, String> shown = new LinkedHashMap<>();
        shown.put(pair, "pair " + pair + ", chosen");
        shown.put(b + pair, "pair " + pair + ", rejected");
        return new Explanation("dpo", settings, table, shown, SOURCES, sequence, metrics);
    }

    /** Where each column is computed. */
    static final Map<String, String> SOURCES = Explanations.ordered(
            "logp", "DpoTrainer#step (1) -> TokenLogProbs#of",
            "ref_logp", "DpoTrainer#step (2) -> ReferenceModel#logProbs (FrozenCopyReference)",
            "log_ratio", "PreferenceLogProbs#chosenLogRatio / #rejectedLogRatio, per token (DpoExplainer#explain)",
            "sums, rewards, loss", "DpoTrainer#step (3) -> SigmoidDpoLoss (PreferenceLoss#compute)");

    /** Frees the reference and the optimizer; the policy belongs to the caller. */
    @Override
    public void close() {
        trainer.close();
        reference.close();
    }
}
