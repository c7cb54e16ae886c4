package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.grpo.ClipHigherObjective;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages;
import dev.rlhf4j.rlhf.grpo.LossAggregation;
import dev.rlhf4j.rlhf.logprob.TokenEntropy;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Group Relative Policy Optimization (Shao et al. 2024, DeepSeekMath; TRL's {@code GRPOTrainer}): PPO without a critic.
 * The baseline of a completion is the mean reward of the other completions of its prompt, so only the policy (and,
 * when beta > 0, the frozen reference) is held. For G completions o_1..o_G of prompt q,
 * <pre>
 *   A_i    = (r_i - mean(r)) / (std(r) + 1e-4)                                     ({@link GroupRelativeAdvantages})
 *   rho_it = pi(o_it | q, o_i,&lt;t) / pi_old(o_it | q, o_i,&lt;t)
 *   l_it   = -min(rho_it A_i, clip(rho_it, 1 - epsilon, 1 + epsilon_high) A_i) + beta k3(pi, pi_ref)_it
 *   J      = aggregate(l)        grpo: 1/G sum_i 1/|o_i| sum_t l_it; bnpo, dr_grpo, dapo ({@link LossAggregation})
 * </pre>
 * {@link #iterate} is one step, numbered in the code:
 * <pre>
 *   1 prompts x G -> 2 policy samples -> 3 rewards (weighted sum) -> 4 log pi_old (and log pi_ref if beta > 0)
 *   -> 5 group advantages -> 6 num_iterations optimizer steps of J over the micro-batches -> 7 reference sync
 * </pre>
 * With beta 0 no reference is needed: the constructor takes null and the reference is never called. Every log-prob is
 * taken at the sampling temperature. Metrics are TRL's names ({@code reward}, {@code reward_std},
 * {@code frac_reward_zero_std}, {@code rewards/<name>/mean|std}, {@code kl}, {@code entropy}, {@code clip_ratio/*},
 * {@code completions/*}, {@code num_tokens}, {@code learning_rate}, {@code loss}) plus {@code tokens_per_second} and the
 * time split {@code time/generation|scoring|reference|training}.
 *
 * <p>Legend: B completions, T prompt + completion + padding, V vocabulary.
 */
public final class GrpoTrainer implements CheckpointedTrainer {
    private final CausalLM policy;
    private final GroupSampler sampler;
    private final GrpoConfig config;
    private final MetricsSink sink;
    private final PolicyOptimizer optimizer;
    private final GroupRelativeAdvantages advantages;
    private final ClipHigherObjective objective;
    private final LossAggregation aggregation;
    private final int eosId;
    private final DType type;
    private final long iterations;
    private StepObserver observer = StepObserver.NONE;

    /**
     * @param policy        the policy, put in eval mode (rollout and training passes must agree)
     * @param lora          LoRA adapters attached to {@code policy} (only they train), or null to train every parameter
     * @param reference     the frozen reference; may be null when beta is 0, and is then never called
     * @param rewards       the reward functions (a {@code RewardModel}, rule rewards), each logged under its name
     * @param rewardWeights TRL's {@code reward_weights}, one per reward
     * @param prompts       tokenized prompts
     */
    public GrpoTrainer(CausalLM policy, LoraModel lora, ReferenceModel reference, List<NamedReward> rewards, double[] rewardWeights,
                       List<int[]> prompts, GrpoConfig config, MetricsSink sink) {
        if (config.beta() > 0 && reference == null) {
            throw new IllegalArgumentException("GrpoTrainer: beta " + config.beta() + " needs a reference model (beta 0 needs none)");
        }
        if (prompts.size() < config.batching().promptsPerStep()) {
            throw new IllegalArgumentException("GrpoTrainer: a step samples " + config.batching().promptsPerStep() + " prompts, the dataset has "
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
                iterations * config.batching().numIterations(), new NonFiniteGuard("grpo", config.optimization().maxConsecutiveNonfinite()));
        this.advantages = config.advantages();
        this.objective = new ClipHigherObjective(config.clip().epsilon(), config.clip().clipHigh(), config.beta());
        this.aggregation = config.lossType().aggregation();
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

    /** One GRPO step; returns (and reports) its metrics. */
    public Map<String, Double> iterate() {
        long start = System.nanoTime();
        // 1-4. prompts, G completions each, rewards, log pi_old and log pi_ref (GroupSampler)
        GroupSampler.Sample s = sampler.sample(config.batching().promptsPerStep(), config.batching().numGenerations());
        // 5. group-relative advantages; truncated completions count for nothing if asked
        double[] a = advantages.of(s.rewards());
        observer.array("rewards", s.rewards());
        observer.array("advantages", a);
        List<GroupRollout> rows = new ArrayList<>();
        double stepTokens = 0;
        for (int i = 0; i < a.length; i++) {
            boolean scored = !(config.maskTruncatedCompletions() && s.truncated()[i]);
            rows.add(new GroupRollout(s.examples().get(i), s.logProbs()[i], s.refLogProbs() == null ? null : s.refLogProbs()[i], a[i],
                    scored));
            stepTokens += rows.get(i).scoredTokens();
        }
        // 6. num_iterations optimizer steps, each over gradient_accumulation_steps shuffled micro-batches
        long t = System.nanoTime();
        long skippedBefore = optimizer.skipped();
        double[] sums = new double[6];                          // loss, kl, entropy, low, high, region
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
                    PolicyStep p = policyStep(GroupRollout.Minibatch.of(part, eosId, type), stepTokens);
                    p.loss().backward();
                    loss += p.loss().item();
                    double[] v = {0, p.kl(), p.entropy(), p.lowClip(), p.highClip(), p.regionClip()};
                    for (int k = 1; k < v.length; k++) {
                        sums[k] += v[k];
                    }
                    passes++;
                }
            }
            sums[0] += loss;
            // 7. the optimizer step; a synchronised reference mixes towards the policy (TR-DPO)
            optimizer.step(loss);
        }
        double trainSeconds = s.seconds()[3] + GroupSampler.since(t);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", sums[0] / config.batching().numIterations());
        GroupSampler.rolloutMetrics(m, s, advantages.groupStd(s.rewards()), advantages.zeroStdFraction(s.rewards()));
        m.put("num_tokens", (double) sampler.tokens());
        if (config.beta() != 0.0) {
            m.put("kl", sums[1] / passes);
        }
        m.put("entropy", sums[2] / passes);
        m.put("clip_ratio/low_mean", sums[3] / passes);
        m.put("clip_ratio/high_mean", sums[4] / passes);
        m.put("clip_ratio/region_mean", sums[5] / passes);
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
     * @param loss       this micro-batch's share of the optimizer step's J, in the policy's graph   ()
     * @param perToken   l_it, 0 where masked                                                         (B, T-1)
     * @param logProbs   the policy's log-probs                                                       (B, T-1)
     * @param kl         mean k3 over the scored tokens (NaN when beta is 0)
     * @param entropy    mean entropy of the policy over the scored tokens
     */
    public record PolicyStep(Tensor loss, Tensor perToken, Tensor logProbs, double kl, double entropy, double lowClip, double highClip,
                             double regionClip) {
    }

    /**
     * The policy's forward over a padded micro-batch and its share of J; {@code stepTokens} is the number of scored
     * tokens in the whole optimizer step (what dapo divides by).
     */
    public PolicyStep policyStep(GroupRollout.Minibatch b, double stepTokens) {
        Tensor logits = policy.forward(b.batch().batch());                                  // (B, T, V)
        Tensor logp = TokenLogProbs.of(logits, b.batch().inputIds(), b.mask(), config.sampling().temperature()).logProbs();  // (B, T-1)
        ClipHigherObjective.Output out = objective.compute(logp, b.logProbs(), b.refLogProbs(), b.advantages(), b.mask());
        Tensor loss = aggregation.aggregate(out.perToken(), b.mask(),
                new LossAggregation.Normalizer(config.batching().gradientAccumulationSteps(), stepTokens, config.sampling().maxCompletionLength()));  // ()
        double kl;
        double entropy;
        try (NoGrad ng = NoGrad.enter()) {
            double tokens = Math.max(1.0, Masked.count(b.mask()));                         // all masked: 0, not NaN
            kl = out.kl() == null ? Double.NaN : Masked.sum(out.kl(), b.mask()).item() / tokens;
            entropy = Masked.sum(TokenEntropy.of(logits, b.mask(), config.sampling().temperature()), b.mask()).item() / tokens;
        }
        return new PolicyStep(loss, out.perToken(), logp, kl, entropy, out.lowClip(), out.highClip(), out.regionClip());
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
