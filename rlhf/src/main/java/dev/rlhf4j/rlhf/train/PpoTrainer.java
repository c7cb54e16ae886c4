package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.advantage.GeneralizedAdvantageEstimation;
import dev.rlhf4j.rlhf.advantage.Whitening;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import dev.rlhf4j.rlhf.kl.KlController;
import dev.rlhf4j.rlhf.logprob.TokenEntropy;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.ppo.ClippedSurrogateLoss;
import dev.rlhf4j.rlhf.ppo.ClippedValueLoss;
import dev.rlhf4j.rlhf.ppo.PpoDiagnostics;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.reward.RewardShaping;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * RLHF with PPO and its four models (Ouyang et al. 2022; TRL's {@code PPOTrainer}): the actor (the policy, trained,
 * optionally through LoRA), the critic ({@link Critic}), the frozen reward ({@link RewardFunction}) and the frozen
 * reference ({@link ReferenceModel}, any strategy). {@link #iterate} is one iteration of the RLHF computation flow,
 * its steps numbered in the code:
 * <pre>
 *   1 prompts -> 2 actor generates -> 3 reward scores -> 4 log pi_old, log pi_ref -> 5 r_t = -beta KL_t (+ score at the end)
 *   -> 6 V_old -> 7 whitened GAE -> 8 epochs x minibatches of L_clip + vf_coef L_V -> 9 update beta
 * </pre>
 * Every log-prob (rollout, reference, training) is taken at the sampling temperature, {@code log_softmax(logits / tau)}.
 * The rollout's log pi_old is recomputed by a forward pass over the padded batch rather than taken from the
 * sampler: the training passes see the same padded batch, so at the first minibatch the ratio is exactly 1 and
 * nothing but the update moves it. Every tensor of an iteration lives in arenas closed before it returns; what
 * crosses from rollout to training is {@link PpoRollout}'s heap arrays, so iterations do not grow memory.
 *
 * <p>Metrics per iteration are TRL's ({@code objective/*} per-sequence sums averaged over the batch, {@code *_avg} over
 * micro-batches, ratio and approx KL as masked means over completion tokens), plus {@code objective/kl_coef}, {@code
 * policy/early_stopped}, {@code tokens_per_second} (completion tokens generated per second of the whole iteration)
 * and the time split in seconds: {@code time/generation}, {@code time/scoring} (the reward), {@code time/reference}
 * and {@code time/training} (the rollout's actor and critic passes, GAE and the PPO epochs).
 *
 * <p>Legend: B batch, T prompt + completion + padding, C channels, V vocabulary.
 */
public final class PpoTrainer implements CheckpointedTrainer {
    private final CausalLM actor;
    private final Critic critic;
    private final ReferenceModel reference;
    private final RolloutPhase rolloutPhase;
    private final PpoTrainerConfig config;
    private final MetricsSink sink;
    private final OptimizerStep optimizer;
    private final int eosId;
    private final DType type;
    private final long iterations;
    private static final String CRITIC = "critic.safetensors";
    private KlController kl;
    private long iteration;
    private StepObserver observer = StepObserver.NONE;

    /**
     * @param actor     the policy, put in eval mode (TRL's {@code disable_dropout}: rollout and training passes must agree);
     *                  with {@code lora} its base weights stay frozen and only the adapters train
     * @param lora      the LoRA adapters attached to {@code actor}, or null to train every parameter
     * @param critic    a {@link SeparateCritic} or a {@link SharedTrunkCritic} on {@code actor}
     * @param reference the frozen reference (e.g. a {@code FrozenCopyReference}, or {@code LoraDisabledReference} with LoRA)
     * @param reward    the frozen reward, scoring prompt + completion
     * @param prompts   tokenized prompts (at least one batch of them)
     */
    public PpoTrainer(CausalLM actor, LoraModel lora, Critic critic, ReferenceModel reference, RewardFunction reward,
                      List<int[]> prompts, PpoTrainerConfig config, MetricsSink sink) {
        if (prompts.size() < config.batches().batchSize()) {
            throw new IllegalArgumentException("PpoTrainer: an iteration samples " + config.batches().batchSize() + " prompts, the dataset has "
                    + prompts.size());
        }
        this.actor = actor;
        this.critic = critic;
        this.reference = reference;
        this.config = config;
        this.sink = sink;
        this.eosId = actor.config().eosTokenId();
        this.type = actor.dtype().computeType();
        this.iterations = config.batches().iterations(prompts.size());
        this.kl = config.kl().controller();
        actor.eval();
        if (lora != null) {
            lora.eval();
        }
        Map<String, Tensor> trained = new LinkedHashMap<>(lora != null ? lora.namedParameters() : actor.namedParameters());
        trained.putAll(critic.trainableParameters());
        this.optimizer = new OptimizerStep(trained, AdamW.Config.torch(config.optimization().learningRate(),
                config.optimization().weightDecay()),
                OptimizerStep.maxGradNorm(config.optimization().maxGradNorm()), new NonFiniteGuard("ppo", config.optimization().maxConsecutiveNonfinite()));
        this.rolloutPhase = new RolloutPhase(actor, lora, List.of(new NamedReward("score", reward)), reference, prompts, config.batches().batchSize(),
                rolloutSpec());
    }

    /** Runs every iteration ({@link PpoTrainerConfig#iterations}), reporting each to the sink. */
    public void train() {
        train(step -> { });
    }

    /**
     * The iterations from {@link #iteration()} on (0, or where {@link #restoreState} left it), calling {@code afterIteration}
     * with each one's number once it is reported (where the caller checkpoints).
     */
    public void train(LongConsumer afterIteration) {
        while (iteration < iterations) {
            iterate();
            afterIteration.accept(iteration);
        }
    }

    /** One PPO iteration; returns (and reports) its metrics under TRL's names. */
    public Map<String, Double> iterate() {
        long start = System.nanoTime();
        // sampling and minibatch shuffles drawn from (seed, iteration): a resumed run draws what the whole one drew
        SplittableRandom random = new SplittableRandom(TrainingPlan.stepSeed(config.batches().seed(), iteration));
        double lr = config.optimization().learningRate() * Math.max(0.0, 1.0 - (double) iteration / Math.max(1, iterations));
        Map<String, Double> m = new LinkedHashMap<>();
        double[] seconds = new double[4];                       // generation, scoring, reference, training
        PpoRollout[] rollouts;
        RolloutPhase.Generation g;
        double eosCount = 0;
        try (Arena rollout = Arena.open()) {
            // 1-3. a batch of prompts in a seeded order; in shards, the actor samples each row from its own seed until the
            // stop token, the reward scores the completions (cut after it) and the reference gives log pi_ref (RolloutPhase)
            g = rolloutPhase.generate(iteration, 1);
            Rollouts.Batch out = g.out();
            seconds[0] = out.seconds()[0];
            seconds[1] = out.seconds()[1];
            seconds[2] = out.seconds()[2];
            List<CompletionExample> examples = g.examples();
            double[] containsEos = new double[examples.size()];
            for (int b = 0; b < examples.size(); b++) {
                for (int token : examples.get(b).completion()) {
                    containsEos[b] = token == eosId ? 1.0 : containsEos[b];
                }
                eosCount += containsEos[b];
            }
            CompletionBatch batch = CompletionBatch.of(examples, eosId);
            Tensor scores = Tensor.of(out.scores(0), DType.FLOAT64, examples.size());        // (B)
            // 4. log pi_old by a forward over the padded batch (with the hidden states a shared-trunk critic reads)
            long t = System.nanoTime();
            Tensor mask = batch.completionMask(type);                                      // (B, T-1)
            RolloutPhase.OldLogProbs old = rolloutPhase.oldLogProbs(batch, mask, critic.sharesActorTrunk());
            Tensor logp = old.logProbs();                                                  // (B, T-1)
            Tensor hidden = old.hidden();                                                  // (B, T, C) or null
            double actorSeconds = since(t);
            Tensor refLogp = out.referenceLogProbs(batch, type);                           // (B, T-1)
            observer.batch("rollout", batch);
            observer.tensors("scores mask logp ref_logp", scores, mask, logp, refLogp);
            t = System.nanoTime();
            // 5. per-token KL penalty and the score at the last completion token (minus missing_eos_penalty without EOS)
            RewardShaping.ShapedRewards shaped = config.rewardShaping().apply(scores, logp, refLogp, mask,
                    Tensor.of(containsEos, DType.FLOAT64, containsEos.length), kl.beta());
            Tensor rewards = config.loss().whitenRewards() ? Whitening.trlRewards().apply(shaped.rewards(), mask) : shaped.rewards();  // (B, T-1)
            observer.tensors("kl rewards", shaped.kl(), rewards);
            // 6. the critic's values V_old
            Tensor values;
            try (Arena pass = Arena.open(); NoGrad ng = NoGrad.enter()) {
                values = pass.keep(critic.values(batch.batch(), hidden).to(type));         // (B, T-1)
            }
            // 7. GAE advantages and returns; advantages whitened over the batch's completion tokens
            GeneralizedAdvantageEstimation.Advantages gae = config.loss().gae().estimate(rewards, values, mask);
            Tensor advantages = config.loss().advantageWhitening().apply(gae.advantages(), mask);   // (B, T-1)
            observer.tensors("values advantages whitened_advantages returns", values, gae.advantages(), advantages, gae.returns());
            rollouts = PpoRollout.split(batch, examples, logp, values, advantages, gae.returns());
            seconds[3] = actorSeconds + since(t);
            PpoStats.objectives(m, shaped, logp, mask);
        }
        // 8. num_ppo_epochs passes over num_mini_batches shuffled minibatches, one optimizer step each
        long t = System.nanoTime();
        PpoStats stats = new PpoStats();
        long skippedBefore = optimizer.skipped();
        boolean stopped = false;
        for (int epoch = 0; epoch < config.batches().numPpoEpochs() && !stopped; epoch++) {
            int[] shuffled = PromptOrder.permutation(random, rollouts.length);
            for (int from = 0; from < rollouts.length && !stopped; from += config.batches().miniBatchSize()) {
                List<PpoRollout> rows = new ArrayList<>();
                for (int i = from; i < from + config.batches().miniBatchSize(); i++) {
                    rows.add(rollouts[shuffled[i]]);
                }
                double approxKl = trainMinibatch(rows, stats, lr);
                stopped = config.kl().targetKl() != null && approxKl > 1.5 * config.kl().targetKl();
            }
        }
        seconds[3] += since(t);
        // 9. the KL coefficient for the next iteration (fixed, or adaptive towards the target KL)
        double usedBeta = kl.beta();
        kl = kl.update(m.get("objective/kl"), rollouts.length);
        iteration++;
        stats.report(m);
        m.put("val/num_eos_tokens", eosCount);
        m.put("lr", lr);
        m.put("episode", (double) iteration * config.batches().batchSize());
        m.put("objective/kl_coef", usedBeta);
        m.put("policy/early_stopped", stopped ? 1.0 : 0.0);
        optimizer.reportNonFiniteSince(m, skippedBefore);
        m.put("tokens_per_second", g.generatedTokens() / since(start));
        m.put("time/generation", seconds[0]);
        m.put("time/scoring", seconds[1]);
        m.put("time/reference", seconds[2]);
        m.put("time/training", seconds[3]);
        sink.onStep(iteration, m);
        return m;
    }

    /** The policy side of one minibatch step: the clipped surrogate and its diagnostics, in the graph of the actor. */
    public record PolicyStep(Tensor loss, Tensor hidden, Tensor logProbs, double clipFraction, double approxKl, double ratio,
                             double entropy) {
    }

    /**
     * The actor's forward over a minibatch and its clipped surrogate loss (TRL's masked mean over completion tokens),
     * with approx KL {@code 0.5 masked_mean((logp - logp_old)^2)}, the clip fraction, the mean ratio and the mean
     * per-token entropy. The hidden states are returned for a critic that shares the trunk.
     */
    public PolicyStep policyStep(PpoRollout.Minibatch b) {
        Tensor hidden = actor.model().forward(b.batch().batch());                    // (B, T, C)
        Tensor logits = actor.head(hidden);                                                // (B, T, V)
        Tensor logp = TokenLogProbs.of(logits, b.batch().inputIds(), b.mask(), config.rollout().temperature()).logProbs();  // (B, T-1)
        ClippedSurrogateLoss.Output policy = config.loss().policyLoss().compute(logp, b.logProbs(), b.advantages(), b.mask());
        PpoDiagnostics d = PpoDiagnostics.of(logp, b.logProbs(), b.advantages(), b.values(), b.returns(), b.mask(), config.loss().cliprange());
        double entropy;
        try (NoGrad ng = NoGrad.enter()) {
            entropy = Masked.mean(TokenEntropy.of(logits, b.mask(), config.rollout().temperature()), b.mask()).item();
        }
        return new PolicyStep(policy.loss(), hidden, logp, policy.clipFraction(), d.approxKl(), d.ratioMean(), entropy);
    }

    /**
     * One optimizer step on a minibatch: per micro-batch of per_device_train_batch_size rows, {@code (L_clip + vf_coef
     * L_V) / gradient_accumulation_steps} backpropagated; then {@link OptimizerStep} at {@code lr}. Returns the
     * minibatch's mean approx KL.
     */
    private double trainMinibatch(List<PpoRollout> rows, PpoStats stats, double lr) {
        double approxKl = 0;
        double stepLoss = 0;
        int micro = config.batches().perDeviceTrainBatchSize();
        for (int from = 0; from < rows.size(); from += micro) {
            try (Arena step = Arena.open()) {
                PpoRollout.Minibatch b = PpoRollout.Minibatch.of(rows.subList(from, from + micro), eosId, type);
                PolicyStep p = policyStep(b);
                Tensor v = critic.values(b.batch().batch(), p.hidden()).to(type);            // (B, T-1)
                ClippedValueLoss.Output value = config.loss().valueLoss().compute(v, b.values(), b.returns(), b.mask());
                Tensor loss = p.loss().add(value.loss().mul(config.loss().vfCoef())).div(config.batches().gradientAccumulationSteps());  // ()
                loss.backward();
                stepLoss += loss.item();
                stats.add(p, p.loss().item(), value.loss().item(), value.clipFraction());
                approxKl += p.approxKl() / config.batches().gradientAccumulationSteps();
            }
        }
        optimizer.step(lr, stepLoss);
        reference.onStep(actor, optimizer.steps());
        return approxKl;
    }

    /** The spec every rollout shard follows: TRL's generation settings, the seed, and local_rollout_forward_batch_size. */
    public RolloutSpec rolloutSpec() {
        int stop = config.rollout().stopTokenId() == null ? -1 : config.rollout().stopTokenId();
        return new RolloutSpec(config.rollout().responseLength(), config.rollout().temperature(), stop, eosId, config.batches().seed(), true,
                config.rollout().localRolloutForwardBatchSize());
    }

    /**
     * Runs the rollouts with {@code factory} (e.g. on a Spark cluster) instead of on this thread; the results are the
     * same. Closes the rollouts used until now.
     */
    public void rollouts(Rollouts.Factory factory) {
        rolloutPhase.rollouts(factory);
    }

    private static double since(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    /** Shows each later iteration's intermediates to {@code observer} ({@link StepObserver#NONE}: none). */
    public void observe(StepObserver observer) {
        this.observer = observer;
    }

    /** The iterations {@link #train} runs. */
    public long iterations() {
        return iterations;
    }

    /** Optimizer steps taken so far. */
    public long optimizerSteps() {
        return optimizer.steps();
    }

    /** The KL coefficient the next iteration will use. */
    public double klCoef() {
        return kl.beta();
    }

    /**
     * Writes the trainer's part of a checkpoint into {@code dir}: AdamW, the critic's trained tensors, and the counters
     * (iteration, optimizer steps, prompt pass and cursor, the KL coefficient); the caller saves the actor.
     */
    public void saveState(Path dir) throws IOException {
        TrainerState.writeTensors(dir, CRITIC, critic.trainableParameters());
        Map<String, Number> c = new LinkedHashMap<>();
        c.put("global_step", iteration);
        c.put("optimizer_steps", optimizer.steps());
        c.put("prompt_passes", rolloutPhase.passes());
        c.put("prompt_cursor", rolloutPhase.cursor());
        c.put("kl_coef", kl.beta());
        optimizer.save(dir, c);
    }

    /** Continues from a checkpoint written by {@link #saveState} (the actor's weights restored by the caller). */
    public void restoreState(Path dir) {
        Map<String, Long> c = optimizer.restore(dir, iterations, "optimizer_steps", "prompt_passes", "prompt_cursor");
        TrainerState.readInto(dir, CRITIC, critic.trainableParameters());
        iteration = c.get("global_step");
        optimizer.resumeAt(c.get("optimizer_steps"));
        rolloutPhase.restore(c.get("prompt_passes"), c.get("prompt_cursor"), dir.resolve(TrainerState.STATE).toString());
        double beta = TrainerState.readDouble(dir, "kl_coef");
        kl = config.kl().controller(beta);
    }

    /** Iterations done. */
    public long iteration() {
        return iteration;
    }

    /** Frees the optimizer's moments and closes the rollouts; the models belong to the caller. */
    public void release() {
        optimizer.release();
        rolloutPhase.close();
    }
}
