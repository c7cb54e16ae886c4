package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages;
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
 * The machinery GRPO and RLOO share: PPO without a critic, where the baseline of a completion comes from the other
 * completions of its prompt, so only the policy (and, when beta > 0, the frozen reference) is held. {@link #iterate} is
 * one step, numbered in the code:
 * <pre>
 *   1-4 prompts x G completions, rewards (weighted sum), log pi_old and log pi_ref        ({@link GroupSampler})
 *   5   each completion's advantage                                                      (the variant)
 *   6   num_iterations optimizer steps, each over gradient_accumulation_steps shuffled
 *       micro-batches of the variant's loss                                             ({@link OptimizerStep})
 *   7   after each optimizer step, the reference told of it (TR-DPO's sync)
 * </pre>
 * A variant is the lines that differ: its advantages (step 5) and its loss on a micro-batch (step 6), with the
 * figures that loss reports. {@link GrpoTrainer}: group-relative advantages and a per-token clipped objective;
 * {@link RlooTrainer}: leave-one-out advantages of KL-penalised rewards and a per-sequence clipped objective.
 *
 * <p>AdamW (torch's betas) trains the policy, or only its LoRA adapters, at a learning rate decayed linearly to 0 over
 * the run's optimizer steps (TRL's default schedule). With beta 0 no reference is needed: the constructor takes null
 * and the reference is never called. Every log-prob is taken at the sampling temperature. Metrics are TRL's names
 * ({@code loss}, {@code reward}, {@code reward_std}, {@code frac_reward_zero_std}, {@code rewards/<name>/mean|std},
 * {@code completions/*}, {@code num_tokens}, {@code kl}, {@code entropy}, {@code clip_ratio/*}, {@code learning_rate})
 * plus {@code nonfinite}, {@code skipped_steps}, {@code tokens_per_second} and the time split
 * {@code time/generation|scoring|reference|training}.
 */
public abstract sealed class GroupTrainer implements CheckpointedTrainer permits GrpoTrainer, RlooTrainer {
    private final CausalLM policy;
    private final ReferenceModel reference;
    private final GroupSampler sampler;
    private final GroupConfig config;
    private final MetricsSink sink;
    private final OptimizerStep optimizer;
    private final long iterations;
    private final long totalOptimizerSteps;
    private final int eosId;
    private final DType type;
    private double learningRate;
    private StepObserver observer = StepObserver.NONE;

    /** One micro-batch's forward: its share of the optimizer step's loss, in the policy's graph, and its figures. */
    interface MicroStep {
        Tensor loss();

        /** Mean entropy of the policy over the completion tokens. */
        double entropy();

        /** The fractions clipped below, above, and in all (TRL's {@code clip_ratio/*}). */
        double lowClip();

        double highClip();

        double regionClip();

        /** Adds this micro-batch's {@code loss} (and {@code kl}, if it has one) to the step's sums, as the variant sums them. */
        void addLossTo(MetricSums sums);
    }

    /**
     * @param policy        the policy, put in eval mode (rollout and training passes must agree)
     * @param lora          LoRA adapters attached to {@code policy} (only they train), or null to train every parameter
     * @param reference     the frozen reference; may be null when beta is 0, and is then never called
     * @param rewards       the reward functions (a {@code RewardModel}, rule rewards), each logged under its name
     * @param rewardWeights TRL's {@code reward_weights}, one per reward
     * @param prompts       tokenized prompts
     */
    GroupTrainer(String name, CausalLM policy, LoraModel lora, ReferenceModel reference, List<NamedReward> rewards,
                 double[] rewardWeights, List<int[]> prompts, GroupConfig config, MetricsSink sink) {
        String trainer = getClass().getSimpleName();
        if (config.beta() > 0 && reference == null) {
            throw new IllegalArgumentException(trainer + ": beta " + config.beta() + " needs a reference model (beta 0 needs none)");
        }
        if (prompts.size() < config.batching().promptsPerStep()) {
            throw new IllegalArgumentException(trainer + ": a step samples " + config.batching().promptsPerStep() + " prompts, the dataset has "
                    + prompts.size());
        }
        this.policy = policy;
        this.reference = config.beta() > 0 ? reference : null;
        this.sampler = new GroupSampler(policy, lora, this.reference, rewards, rewardWeights, prompts, config.batching().promptsPerStep(),
                config.sampling().maxCompletionLength(), config.sampling().temperature(), config.sampling().localRolloutForwardBatchSize(), config.batching().seed());
        this.config = config;
        this.sink = sink;
        this.iterations = config.batching().iterations(prompts.size());
        this.totalOptimizerSteps = Math.max(1, iterations * config.batching().numIterations());
        this.optimizer = new OptimizerStep(lora != null ? lora.namedParameters() : policy.namedParameters(),
                AdamW.Config.torch(config.optimization().learningRate(), config.optimization().weightDecay()), OptimizerStep.maxGradNorm(config.optimization().maxGradNorm()),
                new NonFiniteGuard(name, config.optimization().maxConsecutiveNonfinite()));
        this.eosId = policy.config().eosTokenId();
        this.type = policy.dtype().computeType();
        policy.eval();
        if (lora != null) {
            lora.eval();
        }
    }

    /** Step 5: each completion's advantage; a figure of the whole rollout (RLOO's {@code kl}) goes into {@code sums}. */
    abstract double[] advantages(GroupSampler.Sample s, MetricSums sums);

    /** Whether completion {@code i} counts in the loss (GRPO's {@code mask_truncated_completions} may drop it). */
    boolean scored(GroupSampler.Sample s, int i) {
        return true;
    }

    /**
     * Step 6, one micro-batch: the policy's forward and its share of the loss; {@code stepTokens} is the number of
     * scored tokens in the whole optimizer step.
     */
    abstract MicroStep policyStep(GroupRollout.Minibatch b, double stepTokens);

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

    /** One step; returns (and reports) its metrics. */
    public Map<String, Double> iterate() {
        long start = System.nanoTime();
        // 1-4. prompts, G completions each, rewards, log pi_old and log pi_ref (GroupSampler)
        GroupSampler.Sample s = sampler.sample(config.batching().numGenerations());
        // 5. the variant's advantages, one per completion
        MetricSums sums = new MetricSums();
        double[] a = advantages(s, sums);
        observer.array("rewards", s.rewards());
        observer.array("advantages", a);
        List<GroupRollout> rows = new ArrayList<>();
        double stepTokens = 0;
        for (int i = 0; i < a.length; i++) {
            double[] ref = s.refLogProbs() == null ? null : s.refLogProbs()[i];
            rows.add(new GroupRollout(s.examples().get(i), s.logProbs()[i], ref, a[i], scored(s, i)));
            stepTokens += rows.get(i).scoredTokens();
        }
        // 6. num_iterations optimizer steps, each over gradient_accumulation_steps shuffled micro-batches
        long t = System.nanoTime();
        long skippedBefore = optimizer.skipped();
        int micro = config.batching().perDeviceTrainBatchSize();
        for (int it = 0; it < config.batching().numIterations(); it++) {
            int[] order = sampler.permutation(rows.size());
            double loss = 0;
            for (int from = 0; from < rows.size(); from += micro) {
                List<GroupRollout> part = new ArrayList<>();
                for (int i = from; i < from + micro; i++) {
                    part.add(rows.get(order[i]));
                }
                try (Arena step = Arena.open()) {
                    MicroStep p = policyStep(GroupRollout.Minibatch.of(part, eosId, type), stepTokens);
                    p.loss().backward();
                    loss += p.loss().item();
                    p.addLossTo(sums);
                    sums.add("entropy", p.entropy());
                    sums.add("clip_ratio/low_mean", p.lowClip());
                    sums.add("clip_ratio/high_mean", p.highClip());
                    sums.add("clip_ratio/region_mean", p.regionClip());
                }
            }
            sums.endStep();
            // 7. the optimizer step at the linearly decayed rate; a synchronised reference mixes towards the policy
            learningRate = config.optimization().learningRate() * Math.max(0.0, 1.0 - (double) optimizer.steps() / totalOptimizerSteps);
            optimizer.step(learningRate, loss);
            if (reference != null) {
                reference.onStep(policy, optimizer.steps());
            }
        }
        double trainSeconds = s.seconds()[3] + GroupSampler.since(t);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", sums.total("loss") / config.batching().numIterations());
        GroupRelativeAdvantages groups = new GroupRelativeAdvantages(config.batching().numGenerations(), GroupRelativeAdvantages.ScaleRewards.NONE);
        GroupSampler.rolloutMetrics(m, s, groups.groupStd(s.rewards()), groups.zeroStdFraction(s.rewards()));
        m.put("num_tokens", (double) sampler.tokens());
        if (config.beta() != 0.0) {
            m.put("kl", sums.mean("kl"));
        }
        for (String figure : List.of("entropy", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean")) {
            m.put(figure, sums.mean(figure));
        }
        m.put("learning_rate", learningRate);
        optimizer.reportNonFiniteSince(m, skippedBefore);
        m.put("tokens_per_second", s.generatedTokens() / GroupSampler.since(start));
        GroupSampler.timeMetrics(m, s.seconds(), trainSeconds);
        sink.onStep(sampler.steps(), m);
        return m;
    }

    /** Shows each later step's intermediates to {@code observer} ({@link StepObserver#NONE}: none). */
    public void observe(StepObserver observer) {
        this.observer = observer;
        sampler.observe(observer);
    }

    /** The policy being trained. */
    CausalLM policy() {
        return policy;
    }

    /** Where a variant shows its own intermediates. */
    StepObserver observer() {
        return observer;
    }

    /** Writes AdamW and the sampler's counters, then {@code optimizer_steps}, into {@code dir}. */
    @Override
    public void saveState(Path dir) throws IOException {
        Map<String, Long> counters = new LinkedHashMap<>(sampler.counters());
        counters.put("optimizer_steps", optimizer.steps());
        optimizer.save(dir, counters);
    }

    @Override
    public void restoreState(Path dir) {
        String[] keys = java.util.Arrays.copyOf(GroupSampler.COUNTERS, GroupSampler.COUNTERS.length + 1);
        keys[keys.length - 1] = "optimizer_steps";
        Map<String, Long> c = optimizer.restore(dir, iterations, keys);
        long steps = c.get("optimizer_steps");
        if (steps < 0 || steps > totalOptimizerSteps) {
            throw new IllegalArgumentException(dir.resolve(TrainerState.STATE) + ": optimizer_steps " + steps + " is outside the run's "
                    + totalOptimizerSteps);
        }
        optimizer.resumeAt(steps);
        sampler.restore(c, dir.resolve(TrainerState.STATE).toString());
    }

    /** Steps done. */
    public long iteration() {
        return sampler.steps();
    }

    /** The steps {@link #train} runs. */
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
