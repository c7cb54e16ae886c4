package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.cpu.Roofline;
import dev.rlhf4j.nn.model.ModelConfig;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code ./rlhf4j bench train}: one training step of a randomly initialised GPT-2 (forward, backward, AdamW)
 * in float32, timed after a warm-up step. Model FLOP utilisation is the achieved GFLOP/s, counting
 * {@code 6 N} per token for the N weights that multiply activations (wte through the tied head; wpe excluded)
 * plus {@code 12 L C T} per token for attention ({@link TrainingStep}, the step {@code bench ppo} and {@code bench dpo}
 * also divide by), divided by the {@code cblas_sgemm} GFLOP/s of the MLP's
 * (B*T, C) x (C, 4C) product timed right after each step; the reported utilisation is the median of those
 * per-step ratios (this machine's GEMM speed drifts by 30% between minutes). Step and phase times are means.
 */
public final class TrainBenchmark {
    private TrainBenchmark() {
    }

    public static void run(PrintStream out, String preset, int batch, int seq, int steps) {
        try (TrainingStep step = new TrainingStep(preset, batch, seq, "train")) {
            step.run();                                                            // warm-up
            Arrays.fill(step.phases, 0);
            ModelConfig config = step.config;
            double flopsPerStep = step.flops();
            int rounds = Math.max(1, steps);
            double total = 0;
            double[] achieved = new double[rounds];
            double[] sgemm = new double[rounds];
            double[] utilisation = new double[rounds];
            for (int s = 0; s < rounds; s++) {
                double seconds = step.run();
                total += seconds;
                // the baseline is timed right after each step, so each ratio compares one state of a shared machine
                achieved[s] = flopsPerStep / seconds / 1e9;
                sgemm[s] = Roofline.sgemmGflops(batch * seq, config.hiddenSize(), 4 * config.hiddenSize(), 3);
                utilisation[s] = achieved[s] / sgemm[s];
            }
            double stepMs = total * 1e3 / rounds;
            BenchLine.alone("train.step_ms", stepMs, "ms").print(out);
            String[] names = {"forward", "backward", "optimizer"};
            for (int i = 0; i < 3; i++) {
                BenchLine.against("train." + names[i] + "_ms", step.phases[i] / 1e6 / rounds, "ms", stepMs).print(out);
            }
            BenchLine.alone("train.tokens_per_s", step.tokens() / (stepMs / 1e3), "tok/s").print(out);
            double sgemmGflops = Measure.median(sgemm);
            new BenchLine("train.mfu", Measure.median(achieved), "GFLOP/s", sgemmGflops, Measure.median(utilisation)).print(out);
            BenchLine.alone("train.peak_memory_mb", Measure.peakResidentMb(), "MB").print(out);
            BenchLine.alone("sgemm.gflops", sgemmGflops, "GFLOP/s").print(out);
        }
    }
}
