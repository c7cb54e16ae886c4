package dev.rlhf4j.nn.bench;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.MatmulBenchmark;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.io.PrintStream;

/**
 * {@code ./rlhf4j bench generate}: new tokens per second of KV-cached greedy decoding of a randomly initialised
 * GPT-2 in float32, at batch 1 and at batch 8 (left-padded prompts of 4 to 11 tokens), EOS ignored, best of
 * five runs after a full warm-up. The batch-1 baseline is the GEMV roofline timed between those runs (a bare
 * {@code cblas_sgemv} over every weight matrix a token passes through); that roofline is itself reported against
 * the target of 35 tokens/s.
 */
public final class GenerateBenchmark {
    private static final double TARGET_BATCH1 = 35.0;
    private static final int ROUNDS = 5;

    private GenerateBenchmark() {
    }

    public static void run(PrintStream out, String preset, int newTokens) {
        Gpt2Config config = Gpt2Config.preset(preset).withoutDropout();
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 1337);
        Generator generator = new Generator(model);
        TensorRandom random = new TensorRandom(11);
        GenerationConfig greedy = GenerationConfig.greedy(newTokens, -1);
        double roofline = Double.NaN;
        try (MatmulBenchmark.GemvPass weights = new MatmulBenchmark.GemvPass(weightShapes(config))) {
            for (int batch : new int[] {1, 8}) {
                long[][] prompts = new long[batch][];
                for (int r = 0; r < batch; r++) {
                    prompts[r] = new long[4 + r];
                    for (int j = 0; j < prompts[r].length; j++) {
                        prompts[r][j] = random.nextLong(config.vocabSize());
                    }
                }
                generator.generate(prompts, greedy);                              // warm-up: JIT and BLAS threads
                double best = Double.MAX_VALUE;
                double pass = Double.MAX_VALUE;
                // the memory bandwidth of a shared machine drifts: time the roofline between the runs it bounds
                for (int rep = 0; rep < ROUNDS; rep++) {
                    if (batch == 1) {
                        pass = Math.min(pass, weights.bestSeconds(2));
                    }
                    long t0 = System.nanoTime();
                    generator.generate(prompts, greedy);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
                double tps = batch * newTokens / best;
                if (batch == 1) {
                    roofline = 1.0 / pass;
                }
                double baseline = batch == 1 ? roofline : Double.NaN;
                BenchLine.print(out, "generate.batch" + batch + ".tokens_per_s", tps, "tok/s", baseline, tps / baseline);
            }
        }
        BenchLine.print(out, "generate.gemv_roofline_tokens_per_s", roofline, "tok/s", TARGET_BATCH1, roofline / TARGET_BATCH1);
        BenchLine.print(out, "generate.peak_memory_mb", BenchLine.peakResidentMb(), "MB", Double.NaN, Double.NaN);
        model.release();
    }

    /** Every matrix a token passes through, as (rows, cols) read by a row-major GEMV: attention, MLP, tied LM head. */
    private static int[][] weightShapes(Gpt2Config c) {
        int d = c.nEmbd();
        int[][] shapes = new int[4 * c.nLayer() + 1][];
        for (int l = 0; l < c.nLayer(); l++) {
            shapes[4 * l] = new int[] {3 * d, d};
            shapes[4 * l + 1] = new int[] {d, d};
            shapes[4 * l + 2] = new int[] {4 * d, d};
            shapes[4 * l + 3] = new int[] {d, 4 * d};
        }
        shapes[4 * c.nLayer()] = new int[] {c.vocabSize(), d};
        return shapes;
    }
}
