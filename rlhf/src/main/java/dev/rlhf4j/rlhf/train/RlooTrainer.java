package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages;
import dev.rlhf4j.rlhf.logprob.TokenEntropy;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.rloo.LeaveOneOutBaseline;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * REINFORCE Leave-One-Out (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style Optimization for Learning
 * from Human Feedback in LLMs"; TRL's {@code RLOOTrainer}): each completion is one action, its baseline the mean reward
 * of the other completions of its prompt, and the KL to the reference a penalty on the sequence's reward. For G
 * completions o_1..o_G of prompt q,
 * <pre>
 *   r'_i  = r_i - beta sum_t (log pi_old(o_it) - log pi_ref(o_it))                       ({@link LeaveOneOutBaseline})
 *   A_i   = r'_i - 1/(G-1) sum_{j != i} r'_j                   (optionally standardised over the batch)
 *   rho_i = exp(sum_t log pi(o_it) - sum_t log pi_old(o_it))                            one ratio per sequence
 *   L     = mean_i -min(rho_i A_i, clip(rho_i, 1 - epsilon, 1 + epsilon_high) A_i)
 * </pre>
 * {@link #iterate} is one step, numbered in the code:
 * <pre>
 *   1 prompts x G -> 2 policy samples -> 3 rewards (weighted sum) -> 4 log pi_old (and log pi_ref if beta > 0)
 *   -> 5 penalised rewards, leave-one-out advantages -> 6 num_iterations optimizer steps of L over the micro-batches
 * </pre>
 * With beta 0 the reference may be null and is never called. Metrics as {@link GrpoTrainer}'s, with {@code kl} the
 * batch mean of the sequence-level penalty's {@code sum_t (log pi_old - log pi_ref)} and the clip ratios counted per
 * sequence.
 *
 * <p>Legend: B completions, T prompt + completion + padding, V vocabulary.
 */
public final class RlooTrainer implements CheckpointedTrainer {
    private final CausalLM policy;
    private final GroupSampler sampler;
    private final RlooConfig config;
    private final MetricsSink sink;
    private final PolicyOptimizer optimizer;
    private final LeaveOneOutBaseline baseline;
    private final int eosId;
    private final DType type;
    private final long iterations;
    private StepObserver observer = StepObserver.NONE;

    /**
     * @param policy        the policy, put in eval mode
     * @param lora          LoRA adapters attached to {@code policy} (only they train), or null
     * @param reference     the frozen reference; may be null when beta is 0, and is then never called
     * @param rewards       the reward functions, each logged under its name
     * @param rewardWeights TRL's {@code reward_weights}, one per reward
     * @param prompts       tokenized prompts
     */
    public RlooTrainer(CausalLM policy, LoraModel lora, ReferenceModel reference, List<NamedReward> rewards, double[] rewardWeights,
                       List<int[]> prompts, RlooConfig config, MetricsSink sink) {
        if (config.beta() > 0 && reference == null) {
            throw new IllegalArgumentException("RlooTrainer: beta " + config.beta() + " needs a reference model (beta 0 needs none)");
        }
        if (prompts.size() < config.batching().promptsPerStep()) {
            throw new IllegalArgumentException("RlooTrainer: a step samples " + config.batching().promptsPerStep() + " prompts, the dataset has "
                    + prompts.size());
        }
        ReferenceModel used = config.beta() > 0 ? reference : null;
        this.policy = policy;
        this.sampler = new GroupSampler(policy, lora, used, rewards, rewardWeights, prompts, config.batching().promptsPerStep(),
                config.sampling().maxCompletionLength(), config.sampling().temperature(), config.sampling().localRolloutForwardBatchSize(), config.batching().seed());
        this.config = config;
        this.sink = sink;
        this.iterations = config.batching().iterations(prompts.size());
        this.optimizer = new PolicyOptimizer(policy, lora, used, config.optimization().learningRate(),
                config.optimization().weightDecay(), config.optimization().gradientClip(),
                iterations * config.batching().numIterations(), new NonFiniteGuard("rloo", config.optimization().maxConsecutiveNonfinite()));
        this.baseline = new LeaveOneOutBaseline(config.batching().numGenerations());
        this.eosId = policy.config().eosTokenId();
        this.type = policy.dtype().computeType();
        policy.eval();
        if (lora != null) {
            lora.eval();
        }
    }

    /** Runs every step, reporting each to the sink. */
    public void train() {
        train(step -> { });
    }

    @Override
    public void train(LongConsumer afterStep) {
        while (sampler.steps() < iterations) {
            iterate();
            afterStep.accept(sampler.steps());
        }
    }

    /** One RLOO step; returns (and reports) its metrics. */
    public Map<String, Double> iterate() {
        long start = System.nanoTime();
        // 1-4. prompts, G completions each, rewards, log pi_old and log pi_ref (GroupSampler)
        GroupSampler.Sample s = sampler.sample(config.batching().promptsPerStep(), config.batching().numGenerations());
        // 5. the KL penalty folded into each reward, then the leave-one-out baseline
        double[] penalised = LeaveOneOutBaseline.penalised(s.rewards(), s.logProbs(), s.refLogProbs(), config.beta());
        double[] a = baseline.advantages(penalised);
        a = config.normalizeAdvantages() ? LeaveOneOutBaseline.normalized(a) : a;
        observer.array("rewards", s.rewards());
        observer.array("penalised_rewards", penalised);
        observer.array("advantages", a);
        List<GroupRollout> rows = new ArrayList<>();
        double kl = 0;
        for (int i = 0; i < a.length; i++) {
            double[] ref = s.refLogProbs() == null ? null : s.refLogProbs()[i];
            rows.add(new GroupRollout(s.examples().get(i), s.logProbs()[i], ref, a[i], true));
            kl += ref == null ? 0 : LeaveOneOutBaseline.sequenceKl(s.logProbs()[i], ref) / a.length;
        }
        // 6. num_iterations optimizer steps, each over gradient_accumulation_steps shuffled micro-batches
        long t = System.nanoTime();
        long skippedBefore = optimizer.skipped();
        double[] sums = new double[5];                          // loss, entropy, low, high, region
        int micro = config.batching().perDeviceTrainBatchSize();
        int passes = 0;
        for (int it = 0; it < config.batching().numIterations(); it++) {
            int[] order = sampler.permutation(rows.size());
            double loss = 0;
            for (int from = 0; from < rows.size(); from += micro) {
                List<GroupRollout> part = new ArrayList<>();
                for (int i = from; i < from + micro; i++) {
                    part.add(rows.get(order[i]));
                }
                try (Arena step = Arena.open()) {
                    PolicyStep p = policyStep(GroupRollout.Minibatch.of(part, eosId, type));
                    p.loss().backward();
                    double[] v = {p.loss().item(), p.entropy(), p.lowClip(), p.highClip(), p.regionClip()};
                    loss += v[0];
                    for (int k = 0; k < v.length; k++) {
                        sums[k] += v[k];
                    }
                    passes++;
                }
            }
            optimizer.step(loss);
        }
        double trainSeconds = s.seconds()[3] + GroupSampler.since(t);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", sums[0] / config.batching().numIterations());
        GroupRelativeAdvantages groups = new GroupRelativeAdvantages(config.batching().numGenerations(), GroupRelativeAdvantages.ScaleRewards.NONE);
        GroupSampler.rolloutMetrics(m, s, groups.groupStd(s.rewards()), groups.zeroStdFraction(s.rewards()));
        m.put("num_tokens", (double) sampler.tokens());
        if (config.beta() != 0.0) {
            m.put("kl", kl);
        }
        m.put("entropy", sums[1] / passes);
        m.put("clip_ratio/low_mean", sums[2] / passes);
        m.put("clip_ratio/high_mean", sums[3] / passes);
        m.put("clip_ratio/region_mean", sums[4] / passes);
        m.put("learning_rate", optimizer.learningRate());
        optimizer.reportNonFinite(m, skippedBefore);
        m.put("tokens_per_second", s.generatedTokens() / GroupSampler.since(start));
        GroupSampler.timeMetrics(m, s.seconds(), trainSeconds);
        sink.onStep(sampler.steps(), m);
        return m;
    }

    /**
     * One micro-batch's forward and loss.
     *
     * @param loss     this micro-batch's share of the optimizer step's L, in the policy's graph  ()
     * @param ratios   rho_i of each sequence, outside the graph                                  (B)
     * @param entropy  mean entropy of the policy over the completion tokens
     */
    public record PolicyStep(Tensor loss, double[] ratios, double entropy, double lowClip, double highClip, double regionClip) {
    }

    /** The policy's forward over a padded micro-batch and its share of the step's loss. */
    public PolicyStep policyStep(GroupRollout.Minibatch b) {
        Tensor logits = policy.forward(b.batch().batch());                                  // (B, T, V)
        Tensor logp = TokenLogProbs.of(logits, b.batch().inputIds(), b.mask(), config.sampling().temperature()).logProbs();  // (B, T-1)
        Tensor logRatio = Masked.rowSum(logp, b.mask()).sub(Masked.rowSum(b.logProbs(), b.mask()));  // (B)
        Tensor ratio = logRatio.exp();                                                       // (B)
        Tensor a = Masked.rowSum(b.advantages(), b.mask()).div(b.mask().sum(-1, false));     // (B)
        Tensor clipped = ratio.clamp(1.0 - config.clip().epsilon(), 1.0 + config.clip().clipHigh()).mul(a);  // (B)
        Tensor loss = ratio.mul(a).minimum(clipped).neg().mean().div(config.batching().gradientAccumulationSteps());  // ()
        double[] rho;
        double[] adv;
        double entropy;
        try (NoGrad ng = NoGrad.enter()) {
            rho = ratio.toDoubleArray();
            adv = a.toDoubleArray();
            entropy = Masked.mean(TokenEntropy.of(logits, b.mask(), config.sampling().temperature()), b.mask()).item();
        }
        double low = 0;
        double high = 0;
        for (int i = 0; i < rho.length; i++) {
            low += rho[i] < 1.0 - config.clip().epsilon() && adv[i] < 0 ? 1.0 / rho.length : 0;
            high += rho[i] > 1.0 + config.clip().clipHigh() && adv[i] > 0 ? 1.0 / rho.length : 0;
        }
        return new PolicyStep(loss, rho, entropy, low, high, low + high);
    }

    /** Shows each later step's intermediates to {@code observer} ({@link StepObserver#NONE}: none). */
    public void observe(StepObserver observer) {
        this.observer = observer;
        sampler.observe(observer);
    }

    @Override
    public void saveState(Path dir) throws IOException {
        optimizer.save(dir, sampler.counters());
    }

    @Override
    public void restoreState(Path dir) {
        sampler.restore(optimizer.restore(dir, iterations, GroupSampler.COUNTERS), dir.resolve(TrainerState.STATE).toString());
    }

    @Override
    public long iteration() {
        return sampler.steps();
    }

    /** The steps {@link #train} runs. */
    @Override
    public long iterations() {
        return iterations;
    }

    /** Optimizer steps taken so far. */
    public long optimizerSteps() {
        return optimizer.steps();
    }

    /**
     * Runs the rollouts with {@code factory} (e.g. on a Spark cluster) instead of on this thread; the results are the
     * same.
     */
    public void rollouts(Rollouts.Factory factory) {
        sampler.rollouts(factory);
    }

    @Override
    public void release() {
        optimizer.release();
        sampler.close();
    }
}
