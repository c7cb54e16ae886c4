package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.train.Critic;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.rlhf.train.PpoTrainer;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
import dev.rlhf4j.rlhf.train.SeparateCritic;
import dev.rlhf4j.rlhf.train.SharedTrunkCritic;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./rlhf4j bench ppo}: one iteration of {@link PpoTrainer#iterate} on a randomly initialised float32 GPT-2,
 * against the plain training step of the same model at the same batch and total length ({@link TrainingStep}),
 * measured in the same run. The four models: the actor; a frozen {@link RewardModel} on a copy of the actor's trunk;
 * a {@link FrozenCopyReference}; the critic, either a value head on the actor's trunk ({@code shared}, the default:
 * the cheaper of the two, legacy TRL's {@code AutoModelForCausalLMWithValueHead}) or a GPT-2 of its own initialised
 * from the reward model ({@code separate}, TRL's {@code value_model}). B random prompts of {@code seq - response}
 * tokens; every completion runs to {@code response} tokens (no stop token), so each row is {@code seq} tokens long.
 *
 * <p>After one warm-up round, each round times one training step and then one PPO iteration, so each per-round
 * ratio compares one state of a shared machine; lines report the median over rounds of the times and of the ratios.
 * The iteration's split is the trainer's own ({@code time/generation}, {@code time/scoring}, {@code time/reference},
 * {@code time/training}); whatever falls outside the four (metrics, the KL controller) counts in the iteration only.
 * {@code ppo.<phase>_vs_flops} compares each measured phase, in training steps, with what {@link TrainingStep}'s FLOP
 * count predicts for it.
 */
public final class PpoBenchmark {
    private static final String[] PHASES = {"generation", "scoring", "reference", "training"};

    private PpoBenchmark() {
    }

    /** The {@code --critic} option: true for separate, false for shared. */
    public static boolean separateCritic(String critic) {
        if (!critic.equals("shared") && !critic.equals("separate")) {
            throw new IllegalArgumentException("bench ppo: --critic must be shared or separate, got '" + critic + "'");
        }
        return critic.equals("separate");
    }

    public static void run(PrintStream out, PrintStream table, String preset, int batch, int seq, int response,
                           boolean separateCritic, int epochs, int miniBatches, int iterations) {
        int prompt = seq - response;
        if (response < 1 || prompt < 1) {
            throw new IllegalArgumentException("bench ppo: --response-length " + response + " must lie in [1, --seq - 1] (--seq " + seq + ")");
        }
        if (miniBatches < 1 || batch % miniBatches != 0) {
            throw new IllegalArgumentException("bench ppo: --batch " + batch + " must split into --minibatches " + miniBatches);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("bench ppo: --epochs must be >= 1, got " + epochs);
        }
        int rounds = Math.max(1, iterations);
        try (TrainingStep baseline = new TrainingStep(preset, batch, seq, "ppo")) {
            ModelConfig config = baseline.config;
            CausalLM actor = AutoModel.random(config, DType.FLOAT32, 1338);
            RewardModel reward = RewardModel.fromLm(actor, 3);
            reward.freeze();
            reward.eval();
            PpoTrainerConfig ppo = PpoTrainerConfig.trlDefaults().toBuilder()
                    .perDeviceTrainBatchSize(batch / miniBatches).numMiniBatches(miniBatches).numPpoEpochs(epochs)
                    .responseLength(response).totalEpisodes((long) batch * (rounds + 1)).maxSteps(rounds + 1).build();
            try (FrozenCopyReference reference = new FrozenCopyReference(actor);
                 Critic critic = separateCritic
                         ? SeparateCritic.fromRewardModel(reward.model(), reward.namedParameters().get("score.weight"))
                         : new SharedTrunkCritic(config.hiddenSize(), DType.FLOAT32, new TensorRandom(4), RewardModel.INITIALIZER_RANGE)) {
                PpoTrainer trainer = new PpoTrainer(actor, null, critic, reference, reward, prompts(baseline, prompt),
                        ppo, MetricsSink.NONE);
                baseline.run();                                                      // warm-up
                trainer.iterate();
                double[] stepMs = new double[rounds];
                double[] iterationMs = new double[rounds];
                double[] iterationSteps = new double[rounds];
                double[][] phaseMs = new double[PHASES.length][rounds];
                double[][] phaseSteps = new double[PHASES.length][rounds];
                double[] generated = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    stepMs[r] = baseline.run() * 1e3;
                    long t0 = System.nanoTime();
                    Map<String, Double> m = trainer.iterate();
                    iterationMs[r] = (System.nanoTime() - t0) / 1e6;
                    iterationSteps[r] = iterationMs[r] / stepMs[r];
                    for (int p = 0; p < PHASES.length; p++) {
                        phaseMs[p][r] = m.get("time/" + PHASES[p]) * 1e3;
                        phaseSteps[p][r] = phaseMs[p][r] / stepMs[r];
                    }
                    generated[r] = m.get("tokens_per_second");
                }
                trainer.release();
                double[] expected = expectedSteps(baseline, prompt, response, separateCritic, epochs);
                table.printf("bench ppo: %s, batch %d, prompt %d + response %d tokens, %s critic, %d PPO epoch(s) x %d minibatch(es),"
                                + " median of %d after 1 warm-up%n", preset, batch, prompt, response, separateCritic ? "separate" : "shared",
                        epochs, miniBatches, rounds);
                report(out, table, baseline, stepMs, iterationMs, iterationSteps, phaseMs, phaseSteps, generated, expected);
                table.flush();
            } finally {
                reward.release();
                actor.release();
            }
        }
    }

    private static void report(PrintStream out, PrintStream table, TrainingStep baseline, double[] stepMs, double[] iterationMs,
                               double[] iterationSteps, double[][] phaseMs, double[][] phaseSteps, double[] generated, double[] expected) {
        double step = Measure.median(stepMs);
        double steps = Measure.median(iterationSteps);
        double expectedTotal = 0;
        for (double e : expected) {
            expectedTotal += e;
        }
        BenchLine.alone("ppo.train_step_ms", step, "ms").print(out);
        new BenchLine("ppo.iteration_ms", Measure.median(iterationMs), "ms", step, steps).print(out);
        table.printf("%-22s %10s %16s %16s%n", "", "ms", "training steps", "by FLOPs");
        table.printf("%-22s %10.0f %16.2f %16.2f%n", "iteration", Measure.median(iterationMs), steps, expectedTotal);
        for (int p = 0; p < PHASES.length; p++) {
            double phaseStep = Measure.median(phaseSteps[p]);
            new BenchLine("ppo." + PHASES[p] + "_ms", Measure.median(phaseMs[p]), "ms", step, phaseStep).print(out);
            BenchLine.against("ppo." + PHASES[p] + "_vs_flops", phaseStep, "steps", expected[p]).print(out);
            table.printf("%-22s %10.0f %16.2f %16.2f%n", "  " + PHASES[p], Measure.median(phaseMs[p]), phaseStep, expected[p]);
        }
        BenchLine.against("ppo.iteration_vs_flops", steps, "steps", expectedTotal).print(out);
        double stepTokens = baseline.tokens() / (step / 1e3);
        double[] perRound = new double[iterationMs.length];
        double[] tokens = new double[iterationMs.length];
        for (int r = 0; r < perRound.length; r++) {
            tokens[r] = baseline.tokens() / (iterationMs[r] / 1e3);
            perRound[r] = tokens[r] / (baseline.tokens() / (stepMs[r] / 1e3));
        }
        new BenchLine("ppo.tokens_per_s", Measure.median(tokens), "tok/s", stepTokens, Measure.median(perRound)).print(out);
        BenchLine.alone("ppo.generated_tokens_per_s", Measure.median(generated), "tok/s").print(out);
        BenchLine.alone("ppo.peak_memory_mb", Measure.peakResidentMb(), "MB").print(out);
        table.printf("%-22s %10.0f %16.2f %16.2f%n", "training step (base)", step, 1.0, 1.0);
        table.printf("  tokens/s (B x T per wall second): iteration %.1f, training step %.1f; generated tokens/s %.1f%n",
                Measure.median(tokens), stepTokens, Measure.median(generated));
    }

    /**
     * What {@link TrainingStep}'s FLOP count predicts for each phase, in training steps. Generation: the trunk over the
     * prompt and every fed-back token, the LM head once per new token. Scoring: the reward model's trunk over the rows.
     * Reference: a forward with the head. Training: the rollout's forward of the actor (and of a separate critic's
     * trunk), then per PPO epoch a forward and backward of the actor (and of the separate critic) over the batch.
     */
    static double[] expectedSteps(TrainingStep s, int prompt, int response, boolean separateCritic, int epochs) {
        double rows = s.batch;
        double tokens = s.tokens();
        double length = s.seq;
        ModelConfig c = s.config;
        double generation = s.forwardFlops(rows * (prompt + response - 1), length, false)
                + 2.0 * c.vocabSize() * c.hiddenSize() * rows * response;
        double scoring = s.forwardFlops(tokens, length, false);
        double reference = s.forwardFlops(tokens, length, true);
        double actor = s.forwardFlops(tokens, length, true);
        double critic = separateCritic ? s.forwardFlops(tokens, length, false) : 0;
        double training = actor + critic + epochs * 3 * (actor + critic);
        double step = s.flops();
        return new double[] {generation / step, scoring / step, reference / step, training / step};
    }

    /** B random prompts of {@code length} tokens, none of them EOS. */
    private static List<int[]> prompts(TrainingStep s, int length) {
        Random random = new Random(11);
        List<int[]> out = new ArrayList<>(s.batch);
        for (int b = 0; b < s.batch; b++) {
            out.add(s.randomTokens(random, length));
        }
        return out;
    }
}
