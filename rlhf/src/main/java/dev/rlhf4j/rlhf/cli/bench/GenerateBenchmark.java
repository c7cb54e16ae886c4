package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.core.cpu.Roofline;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./rlhf4j bench generate}: new tokens per second of KV-cached greedy decoding of a randomly initialised
 * GPT-2 in float32, at batch 1 and at batch 8 (left-padded prompts of 4 to 11 tokens), EOS ignored, best of
 * five runs after a full warm-up.
 *
 * <p>Batch 1 is bound by streaming the weights once per token, so its baselines are GEMV rooflines timed
 * between those runs (the machine's memory bandwidth drifts): bare {@code cblas_sgemv} passes over copies of
 * every weight matrix a token passes through. The batch-1 ratio is against the pass over the weights laid out
 * as the model stores them (Conv1D weights (in, out), read transposed; the tied head (V, C) as stored);
 * {@code generate.gemv_roofline_tokens_per_s} is the pass with every matrix in the faster (out, in) layout,
 * reported against the target of 35 tokens/s. {@code generate.batch1_top_p.tokens_per_s} samples with
 * top-p 0.9 at batch 1, against greedy batch 1 from the same run: what sampling adds per token.
 */
public final class GenerateBenchmark {
    private static final double TARGET_BATCH1 = 35.0;
    private static final int ROUNDS = 5;

    private GenerateBenchmark() {
    }

    public static void run(PrintStream out, String preset, int newTokens) {
        ModelConfig config = AutoModel.preset(preset).withoutDropout();
        CausalLM model = AutoModel.random(config, DType.FLOAT32, 1337);
        Generator generator = new Generator(model);
        TensorRandom random = new TensorRandom(11);
        GenerationConfig greedy = GenerationConfig.greedy(newTokens, -1);
        double stored = Double.MAX_VALUE;
        double rowMajor = Double.MAX_VALUE;
        double greedyBatch1 = Double.NaN;
        try (Roofline.GemvPass asStored = weightPass(config, true);
             Roofline.GemvPass outIn = weightPass(config, false)) {
            for (int batch : new int[] {1, 8}) {
                List<int[]> prompts = new ArrayList<>();
                for (int r = 0; r < batch; r++) {
                    int[] prompt = new int[4 + r];
                    for (int j = 0; j < prompt.length; j++) {
                        prompt[j] = (int) random.nextLong(config.vocabSize());
                    }
                    prompts.add(prompt);
                }
                generator.generate(prompts, greedy);                              // warm-up: JIT and BLAS threads
                double best = Double.MAX_VALUE;
                for (int rep = 0; rep < ROUNDS; rep++) {
                    if (batch == 1) {
                        stored = Math.min(stored, asStored.bestSeconds(2));
                        rowMajor = Math.min(rowMajor, outIn.bestSeconds(2));
                    }
                    long t0 = System.nanoTime();
                    generator.generate(prompts, greedy);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
                double tps = batch * newTokens / best;
                double baseline = batch == 1 ? 1.0 / stored : Double.NaN;
                BenchLine.against("generate.batch" + batch + ".tokens_per_s", tps, "tok/s", baseline).print(out);
                if (batch == 1) {
                    greedyBatch1 = tps;
                }
            }
            // PPO rollouts sample: top-p over the whole vocabulary every token, against greedy decoding
            GenerationConfig nucleus = GenerationConfig.sampling(newTokens, 1.0, 0, 0.9, -1, 5);
            int[] prompt = {1, 2, 3, 4};
            generator.generate(prompt, nucleus);
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < ROUNDS; rep++) {
                long t0 = System.nanoTime();
                generator.generate(prompt, nucleus);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            double tps = newTokens / best;
            BenchLine.against("generate.batch1_top_p.tokens_per_s", tps, "tok/s", greedyBatch1).print(out);
        }
        BenchLine.against("generate.gemv_roofline_tokens_per_s", 1.0 / rowMajor, "tok/s", TARGET_BATCH1).print(out);
        BenchLine.alone("generate.peak_memory_mb", Measure.peakResidentMb(), "MB").print(out);
        model.release();
    }

    /**
     * Every matrix a token passes through: per layer c_attn, attn.c_proj, c_fc, mlp.c_proj, then the tied head.
     * {@code asStored}: Conv1D weights as GPT-2 stores them, (in, out), read transposed; else all as (out, in).
     */
    private static Roofline.GemvPass weightPass(ModelConfig c, boolean asStored) {
        int d = c.hiddenSize();
        int[][] outIn = new int[4 * c.numLayers() + 1][];
        for (int l = 0; l < c.numLayers(); l++) {
            outIn[4 * l] = new int[] {3 * d, d};
            outIn[4 * l + 1] = new int[] {d, d};
            outIn[4 * l + 2] = new int[] {4 * d, d};
            outIn[4 * l + 3] = new int[] {d, 4 * d};
        }
        outIn[4 * c.numLayers()] = new int[] {c.vocabSize(), d};
        int[][] shapes = new int[outIn.length][];
        boolean[] transposed = new boolean[outIn.length];
        for (int i = 0; i < outIn.length; i++) {
            boolean conv1d = asStored && i < outIn.length - 1;
            shapes[i] = conv1d ? new int[] {outIn[i][1], outIn[i][0]} : outIn[i];
            transposed[i] = conv1d;
        }
        return new Roofline.GemvPass(shapes, transposed);
    }
}
