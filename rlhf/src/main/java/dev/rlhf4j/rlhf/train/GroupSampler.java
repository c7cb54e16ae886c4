package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * GRPO's and RLOO's side of the {@link RolloutPhase}: a seeded batch of prompts, each repeated {@code num_generations}
 * times (consecutive rows form a group), sampled until EOS or {@code max_completion_length}; scored by every reward
 * function and, unless the trainer's beta is 0, log pi_ref. The scores are combined with the weights,
 * {@code r = sum_k w_k r_k}; log pi_old comes from a forward over the whole padded batch. Everything tensor-valued
 * lives in arenas closed before {@link #sample} returns: a {@link Sample} is heap arrays. The sampling and the
 * trainer's shuffles of a step draw from (seed, step), so the sampler's whole state is the step count, the tokens
 * sampled so far and the prompt order's pass and cursor: the counters a critic-free trainer checkpoints
 * ({@link #counters}, {@link #restore}).
 */
final class GroupSampler {
    /** One generation batch: per row (completion) the heap arrays the update passes need, and the phase's timings. */
    record Sample(List<CompletionExample> examples, double[][] logProbs, double[][] refLogProbs, double[] rewards,
                  Map<String, double[]> rewardsByName, boolean[] truncated, int generatedTokens, double[] seconds) {
        /** Prompt and completion tokens of the batch (TRL's {@code num_tokens} adds them up over the run). */
        long tokens() {
            long n = 0;
            for (CompletionExample e : examples) {
                n += e.prompt().length + e.completion().length;
            }
            return n;
        }
    }

    private final CausalLM policy;
    private final List<NamedReward> rewards;
    private final double[] weights;
    private final long seed;
    private final int eosId;
    private final RolloutPhase phase;
    private final boolean withReference;
    private SplittableRandom random;
    private long samples;
    private long tokens;
    private StepObserver observer = StepObserver.NONE;

    /**
     * @param reference the reference, or null when the trainer's beta is 0 (then it is never called)
     * @param lora      the policy's LoRA adapters, or null
     * @param weights   one weight per reward
     * @param shardSize local_rollout_forward_batch_size: rows per rollout shard
     */
    GroupSampler(CausalLM policy, LoraModel lora, ReferenceModel reference, List<NamedReward> rewards, double[] weights,
                 List<int[]> prompts, int promptsPerStep, int maxCompletionLength, double temperature, int shardSize, long seed) {
        if (rewards.isEmpty() || weights.length != rewards.size()) {
            throw new IllegalArgumentException("reward_weights: " + rewards.size() + " reward functions need as many weights, got "
                    + weights.length);
        }
        this.policy = policy;
        this.rewards = List.copyOf(rewards);
        this.weights = weights.clone();
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.eosId = policy.config().eosTokenId();
        this.withReference = reference != null;
        this.phase = new RolloutPhase(policy, lora, rewards, reference, prompts, promptsPerStep,
                new RolloutSpec(maxCompletionLength, temperature, eosId, eosId, seed, withReference, shardSize));
    }

    /** Shows each later sample's batch, log pi_old and log pi_ref, as (B, T-1) row-major arrays, to {@code observer}. */
    void observe(StepObserver observer) {
        this.observer = observer;
    }

    /**
     * Samples the next prompts x {@code generations} completions through the rollout phase, then takes log pi_old over
     * the whole padded batch.
     */
    Sample sample(int generations) {
        long step = samples++;
        random = new SplittableRandom(TrainingPlan.stepSeed(seed, step));
        // 1-3. prompts, completions, scores and log pi_ref (RolloutPhase)
        RolloutPhase.Generation g = phase.generate(step, generations);
        Rollouts.Batch out = g.out();
        double[] seconds = new double[4];                      // generation, scoring, reference, log pi_old
        System.arraycopy(out.seconds(), 0, seconds, 0, 3);
        int n = g.rows().size();
        boolean[] truncated = new boolean[n];
        double[][] ref = withReference ? new double[n][] : null;
        for (int b = 0; b < n; b++) {
            int[] c = g.examples().get(b).completion();
            truncated[b] = c[c.length - 1] != eosId;
            if (ref != null) {
                ref[b] = out.rows().get(b).refLogProbs();
            }
        }
        Map<String, double[]> byName = new LinkedHashMap<>();
        double[] total = new double[n];
        for (int k = 0; k < rewards.size(); k++) {
            double[] r = out.scores(k);
            byName.put(rewards.get(k).name(), r);
            for (int b = 0; b < total.length; b++) {
                total[b] += weights[k] * r[b];
            }
        }
        try (Arena arena = Arena.open()) {
            CompletionBatch batch = CompletionBatch.of(g.examples(), eosId);
            // 4. log pi_old by a forward over the padded batch
            long t = System.nanoTime();
            Tensor mask = batch.completionMask(policy.dtype().computeType());                // (B, T-1)
            double[] logp = phase.oldLogProbs(batch, mask, false).logProbs().toDoubleArray();  // (B, T-1)
            seconds[3] = since(t);
            observer.batch("rollout", batch);
            observer.array("logp", logp);
            if (ref != null) {
                observer.array("ref_logp", out.referenceLogProbs(batch));
            }
            Sample sample = new Sample(g.examples(), split(batch, logp), ref, total, byName, truncated, g.generatedTokens(), seconds);
            tokens += sample.tokens();
            return sample;
        }
    }

    /** Row b's entries at its completion positions of a (B, T-1) row-major array. */
    private static double[][] split(CompletionBatch batch, double[] perToken) {
        int w = batch.batch().length() - 1;
        double[][] out = new double[batch.size()][];
        for (int b = 0; b < out.length; b++) {
            int from = b * w + batch.promptLengths()[b] - 1;
            out[b] = Arrays.copyOfRange(perToken, from, from + batch.completionLengths()[b]);
        }
        return out;
    }

    /** Runs the rollouts with {@code factory} from now on, closing the ones used until now. */
    void rollouts(Rollouts.Factory factory) {
        phase.rollouts(factory);
    }

    /** Closes the rollouts. */
    void close() {
        phase.close();
    }

    /** The counter keys {@link #counters} writes after {@code global_step}. */
    static final String[] COUNTERS = {"num_tokens", "prompt_passes", "prompt_cursor"};

    /** Steps sampled so far (TRL's {@code global_step} of a critic-free trainer). */
    long steps() {
        return samples;
    }

    /** Prompt and completion tokens sampled so far (TRL's {@code num_tokens}). */
    long tokens() {
        return tokens;
    }

    /** The counters for a checkpoint: {@code global_step}, then {@link #COUNTERS}. */
    Map<String, Long> counters() {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("global_step", samples);
        c.put("num_tokens", tokens);
        c.put("prompt_passes", phase.passes());
        c.put("prompt_cursor", (long) phase.cursor());
        return c;
    }

    /** Continues from the counters of {@link #counters}; {@code where} names their file. */
    void restore(Map<String, Long> counters, String where) {
        samples = counters.get("global_step");
        tokens = counters.get("num_tokens");
        phase.restore(counters.get("prompt_passes"), counters.get("prompt_cursor"), where);
    }

    /** Fisher-Yates with this step's random. */
    int[] permutation(int n) {
        return PromptOrder.permutation(random, n);
    }

    /**
     * TRL's reward and completion metrics of a sample: {@code reward}, {@code reward_std} (the mean of the groups'
     * std), {@code frac_reward_zero_std}, {@code rewards/<name>/mean|std} per function, and {@code completions/
     * mean_length|min_length|max_length|clipped_ratio} (clipped: ended without EOS).
     */
    static void rolloutMetrics(Map<String, Double> m, Sample s, double[] groupStd, double zeroStdFraction) {
        m.put("reward", meanStd(s.rewards())[0]);
        m.put("reward_std", meanStd(groupStd)[0]);
        m.put("frac_reward_zero_std", zeroStdFraction);
        s.rewardsByName().forEach((name, r) -> {
            double[] ms = meanStd(r);
            m.put("rewards/" + name + "/mean", ms[0]);
            m.put("rewards/" + name + "/std", ms[1]);
        });
        double[] lengths = new double[s.examples().size()];
        double clipped = 0;
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = s.examples().get(i).completion().length;
            clipped += s.truncated()[i] ? 1 : 0;
        }
        m.put("completions/mean_length", meanStd(lengths)[0]);
        m.put("completions/min_length", Arrays.stream(lengths).min().orElse(0));
        m.put("completions/max_length", Arrays.stream(lengths).max().orElse(0));
        m.put("completions/clipped_ratio", clipped / lengths.length);
    }

    /** The time split in seconds: generation, scoring (the rewards), reference and training (log pi_old included). */
    static void timeMetrics(Map<String, Double> m, double[] seconds, double training) {
        m.put("time/generation", seconds[0]);
        m.put("time/scoring", seconds[1]);
        m.put("time/reference", seconds[2]);
        m.put("time/training", training);
    }

    /** Mean and (unbiased, torch's) standard deviation of {@code x}. */
    static double[] meanStd(double[] x) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double ss = 0;
        for (double v : x) {
            ss += (v - mean) * (v - mean);
        }
        return new double[] {mean, x.length > 1 ? Math.sqrt(ss / (x.length - 1)) : Double.NaN};
    }

    static double since(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
