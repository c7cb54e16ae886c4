package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoTrainer;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * {@code ./rlhf4j bench dpo}: one optimizer step of {@link DpoTrainer#train} (TRL's defaults: sigmoid loss, beta 0.1,
 * gradient clipping at 1.0) on a randomly initialised float32 GPT-2 with a {@link FrozenCopyReference}, against the
 * plain training step of the same model at the same batch and total length ({@link TrainingStep}), measured in the same
 * run. B random pairs of a {@code seq - response} token prompt and two {@code response} token completions: the step
 * runs the 2B rows of {@code seq} tokens forward and backward through the policy and forward through the reference.
 *
 * <p>After one warm-up round, each round times one training step and then one DPO step (a {@code train} call of one
 * step over the B pairs), so each per-round ratio compares one state of a shared machine; lines report the median
 * over rounds of the times and of the ratios. {@code dpo.step_vs_flops} compares the measured step, in training
 * steps, with the FLOP count's prediction: twice the rows forward and backward, plus their reference forward,
 * {@code 2 + 2/3} steps.
 */
public final class DpoBenchmark {
    private DpoBenchmark() {
    }

    public static void run(PrintStream out, PrintStream table, String preset, int batch, int seq, int response, int iterations) {
        int prompt = seq - response;
        if (response < 1 || prompt < 1) {
            throw new IllegalArgumentException("bench dpo: --response-length " + response + " must lie in [1, --seq - 1] (--seq " + seq + ")");
        }
        int rounds = Math.max(1, iterations);
        try (TrainingStep baseline = new TrainingStep(preset, batch, seq, "dpo")) {
            ModelConfig config = baseline.config;
            CausalLM policy = AutoModel.random(config, DType.FLOAT32, 1338);
            DpoConfig dpo = DpoConfig.trlDefaults().toBuilder()
                    .perDeviceTrainBatchSize(batch).maxLength(seq).maxPromptLength(prompt).maxSteps(1).build();
            List<PreferenceExample> pairs = pairs(baseline, prompt, response);
            try (FrozenCopyReference reference = new FrozenCopyReference(policy);
                 DpoTrainer trainer = DpoTrainer.of(policy, reference, dpo)) {
                baseline.run();                                                      // warm-up
                trainer.train(pairs, MetricsSink.NONE);
                double[] stepMs = new double[rounds];
                double[] dpoMs = new double[rounds];
                double[] dpoSteps = new double[rounds];
                double[] tokens = new double[rounds];
                double[] tokenRatio = new double[rounds];
                double rowTokens = 2.0 * batch * seq;
                for (int r = 0; r < rounds; r++) {
                    stepMs[r] = baseline.run() * 1e3;
                    long t0 = System.nanoTime();
                    trainer.train(pairs, MetricsSink.NONE);
                    dpoMs[r] = (System.nanoTime() - t0) / 1e6;
                    dpoSteps[r] = dpoMs[r] / stepMs[r];
                    tokens[r] = rowTokens / (dpoMs[r] / 1e3);
                    tokenRatio[r] = tokens[r] / (baseline.tokens() / (stepMs[r] / 1e3));
                }
                double step = Measure.median(stepMs);
                double steps = Measure.median(dpoSteps);
                double expected = (3 + 1) * baseline.forwardFlops(rowTokens, seq, true) / baseline.flops();
                double stepTokens = baseline.tokens() / (step / 1e3);
                BenchLine.alone("dpo.train_step_ms", step, "ms").print(out);
                new BenchLine("dpo.step_ms", Measure.median(dpoMs), "ms", step, steps).print(out);
                BenchLine.against("dpo.step_vs_flops", steps, "steps", expected).print(out);
                new BenchLine("dpo.tokens_per_s", Measure.median(tokens), "tok/s", stepTokens, Measure.median(tokenRatio)).print(out);
                BenchLine.alone("dpo.peak_memory_mb", Measure.peakResidentMb(), "MB").print(out);
                table.printf("bench dpo: %s, %d pairs (%d rows), prompt %d + response %d tokens, frozen reference, median of %d after"
                        + " 1 warm-up%n", preset, batch, 2 * batch, prompt, response, rounds);
                table.printf("%-22s %10s %16s %16s%n", "", "ms", "training steps", "by FLOPs");
                table.printf("%-22s %10.0f %16.2f %16.2f%n", "DPO step", Measure.median(dpoMs), steps, expected);
                table.printf("%-22s %10.0f %16.2f %16.2f%n", "training step (base)", step, 1.0, 1.0);
                table.printf("  tokens/s (rows x T per wall second): DPO step %.1f, training step %.1f%n", Measure.median(tokens), stepTokens);
                table.flush();
            } finally {
                policy.release();
            }
        }
    }

    /** B pairs of random tokens (none EOS): a prompt, a chosen and a rejected completion of equal lengths, so no padding. */
    private static List<PreferenceExample> pairs(TrainingStep s, int prompt, int response) {
        Random random = new Random(13);
        List<PreferenceExample> out = new ArrayList<>(s.batch);
        for (int b = 0; b < s.batch; b++) {
            out.add(new PreferenceExample(s.randomTokens(random, prompt), s.randomTokens(random, response), s.randomTokens(random, response)));
        }
        return out;
    }
}
