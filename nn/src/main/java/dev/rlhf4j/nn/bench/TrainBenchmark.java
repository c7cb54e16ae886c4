package dev.rlhf4j.nn.bench;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.MatmulBenchmark;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import java.io.PrintStream;

/**
 * {@code ./rlhf4j bench train}: one training step of a randomly initialised GPT-2 (forward, backward, AdamW)
 * in float32, timed after a warm-up step. Model FLOP utilisation is the achieved GFLOP/s, counting
 * {@code 6 N} per token for the N weights that multiply activations (wte through the tied head; wpe excluded)
 * plus {@code 12 L C T} per token for attention, divided by the {@code cblas_sgemm} GFLOP/s measured in the
 * same run on the MLP's (B*T, C) x (C, 4C) product.
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
        step(model, opt, input);                                               // warm-up
        long best = Long.MAX_VALUE;
        long total = 0;
        for (int s = 0; s < Math.max(1, steps); s++) {
            long t0 = System.nanoTime();
            step(model, opt, input);
            long dt = System.nanoTime() - t0;
            best = Math.min(best, dt);
            total += dt;
        }
        double stepMs = total / 1e6 / Math.max(1, steps);
        double tokens = (double) batch * seq;
        double n = model.numParameters() - (double) config.nPositions() * config.nEmbd();
        double flopsPerToken = 6 * n + 12.0 * config.nLayer() * config.nEmbd() * seq;
        double achieved = flopsPerToken * tokens / (stepMs / 1e3) / 1e9;
        double sgemm = MatmulBenchmark.cblasGflops(batch * seq, config.nEmbd(), 4 * config.nEmbd(), 5);
        BenchLine.print(out, "train.step_ms", stepMs, "ms", Double.NaN, Double.NaN);
        BenchLine.print(out, "train.tokens_per_s", tokens / (stepMs / 1e3), "tok/s", Double.NaN, Double.NaN);
        BenchLine.print(out, "train.mfu", achieved, "GFLOP/s", sgemm, achieved / sgemm);
        BenchLine.print(out, "train.peak_memory_mb", BenchLine.peakResidentMb(), "MB", Double.NaN, Double.NaN);
        BenchLine.print(out, "sgemm.gflops", sgemm, "GFLOP/s", Double.NaN, Double.NaN);
        input.release();
        opt.release();
        model.release();
    }

    private static void step(Gpt2LMHeadModel model, AdamW opt, Tensor input) {
        try (Arena step = Arena.open()) {
            model.loss(input).backward();
            opt.step();
            opt.zeroGrad();
        }
    }
}
