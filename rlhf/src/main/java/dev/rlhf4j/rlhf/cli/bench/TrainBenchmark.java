package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.core.cpu.Roofline;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import java.io.PrintStream;

/**
 * {@code ./rlhf4j bench train}: one training step of a randomly initialised GPT-2 (forward, backward, AdamW)
 * in float32, timed after a warm-up step. Model FLOP utilisation is the achieved GFLOP/s, counting
 * {@code 6 N} per token for the N weights that multiply activations (wte through the tied head; wpe excluded)
 * plus {@code 12 L C T} per token for attention, divided by the {@code cblas_sgemm} GFLOP/s of the MLP's
 * (B*T, C) x (C, 4C) product timed right after each step; the reported utilisation is the median of those
 * per-step ratios (this machine's GEMM speed drifts by 30% between minutes). Step and phase times are means.
 */
public final class TrainBenchmark {
    private TrainBenchmark() {
    }

    public static void run(PrintStream out, String preset, int batch, int seq, int steps) {
        Gpt2Config config = Gpt2Config.preset(preset).withoutDropout();
        if (seq > config.nPositions()) {
            throw new IllegalArgumentException("bench train: --seq " + seq + " exceeds n_positions " + config.nPositions());
        }
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 1337);
        AdamW opt = new AdamW(model.namedParameters(), AdamW.Config.gpt2(), AdamW.matricesOnly(model.namedParameters()));
        TensorRandom random = new TensorRandom(7);
        long[] ids = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextLong(config.vocabSize());
        }
        Tensor input = Tensor.ofLongs(ids, batch, seq);
        step(model, opt, input, new long[3]);                                  // warm-up
        double tokens = (double) batch * seq;
        double n = model.numParameters() - (double) config.nPositions() * config.nEmbd();
        double flopsPerStep = (6 * n + 12.0 * config.nLayer() * config.nEmbd() * seq) * tokens;
        int rounds = Math.max(1, steps);
        long total = 0;
        long[] phases = new long[3];                                           // forward, backward, optimizer
        double[] achieved = new double[rounds];
        double[] sgemm = new double[rounds];
        double[] utilisation = new double[rounds];
        for (int s = 0; s < rounds; s++) {
            long t0 = System.nanoTime();
            step(model, opt, input, phases);
            long dt = System.nanoTime() - t0;
            total += dt;
            // the baseline is timed right after each step, so each ratio compares one state of a shared machine
            achieved[s] = flopsPerStep / (dt / 1e9) / 1e9;
            sgemm[s] = Roofline.sgemmGflops(batch * seq, config.nEmbd(), 4 * config.nEmbd(), 3);
            utilisation[s] = achieved[s] / sgemm[s];
        }
        double stepMs = total / 1e6 / rounds;
        BenchLine.alone("train.step_ms", stepMs, "ms").print(out);
        String[] names = {"forward", "backward", "optimizer"};
        for (int i = 0; i < 3; i++) {
            BenchLine.against("train." + names[i] + "_ms", phases[i] / 1e6 / rounds, "ms", stepMs).print(out);
        }
        BenchLine.alone("train.tokens_per_s", tokens / (stepMs / 1e3), "tok/s").print(out);
        double sgemmGflops = Measure.median(sgemm);
        new BenchLine("train.mfu", Measure.median(achieved), "GFLOP/s", sgemmGflops, Measure.median(utilisation)).print(out);
        BenchLine.alone("train.peak_memory_mb", Measure.peakResidentMb(), "MB").print(out);
        BenchLine.alone("sgemm.gflops", sgemmGflops, "GFLOP/s").print(out);
        input.release();
        opt.release();
        model.release();
    }

    /** One step; adds the nanoseconds of its forward, backward and optimizer (with the arena's release) to {@code phases}. */
    private static void step(Gpt2LMHeadModel model, AdamW opt, Tensor input, long[] phases) {
        long t0 = System.nanoTime();
        try (Arena step = Arena.open()) {
            Tensor loss = model.loss(input);
            long t1 = System.nanoTime();
            loss.backward();
            long t2 = System.nanoTime();
            opt.step();
            opt.zeroGrad();
            phases[0] += t1 - t0;
            phases[1] += t2 - t1;
            t0 = t2;
        }
        phases[2] += System.nanoTime() - t0;
    }
}
