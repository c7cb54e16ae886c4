package dev.rlhf4j.nn.bench;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.io.PrintStream;

/**
 * {@code ./rlhf4j bench generate}: new tokens per second of KV-cached greedy decoding of a randomly initialised
 * GPT-2 in float32, at batch 1 and at batch 8 (left-padded prompts of 4 to 11 tokens), EOS ignored. The
 * baseline is the target of 35 tokens/s at batch 1.
 */
public final class GenerateBenchmark {
    private static final double TARGET_BATCH1 = 35.0;

    private GenerateBenchmark() {
    }

    public static void run(PrintStream out, String preset, int newTokens) {
        Gpt2Config config = Gpt2Config.preset(preset).withoutDropout();
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 1337);
        Generator generator = new Generator(model);
        TensorRandom random = new TensorRandom(11);
        GenerationConfig greedy = GenerationConfig.greedy(newTokens, -1);
        for (int batch : new int[] {1, 8}) {
            long[][] prompts = new long[batch][];
            for (int r = 0; r < batch; r++) {
                prompts[r] = new long[4 + r];
                for (int j = 0; j < prompts[r].length; j++) {
                    prompts[r][j] = random.nextLong(config.vocabSize());
                }
            }
            generator.generate(prompts, greedy.withMaxNewTokens(Math.min(4, newTokens)));     // warm-up
            long t0 = System.nanoTime();
            generator.generate(prompts, greedy);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double tps = batch * newTokens / seconds;
            BenchLine.print(out, "generate.batch" + batch + ".tokens_per_s", tps, "tok/s",
                    batch == 1 ? TARGET_BATCH1 : Double.NaN, batch == 1 ? tps / TARGET_BATCH1 : Double.NaN);
        }
        BenchLine.print(out, "generate.peak_memory_mb", BenchLine.peakResidentMb(), "MB", Double.NaN, Double.NaN);
        model.release();
    }
}
