package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Miniature models and data for the trainer tests: vocabulary 64 (EOS 63), 2 layers, 16 channels, 32 positions. */
final class Toy {
    static final Gpt2Config CONFIG = new Gpt2Config(2, 4, 16, 32, 64, 1e-5, "gelu_new", "float32", 63, 63, 0.0, 0.0, 0.0);
    static final int EOS = 63;
    static final int MARK = 7;

    private Toy() {
    }

    static Gpt2LMHeadModel model(DType type, long seed) {
        return Gpt2LMHeadModel.random(CONFIG, type, seed);
    }

    /** {@code n} ids drawn from [10, 60): never EOS, never the mark token. */
    static int[] tokens(int n, Random random) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 10 + random.nextInt(50);
        }
        return out;
    }

    /** {@code n} prompt + completion pairs of random lengths (prompt 1-5, completion 1-6). */
    static List<CompletionExample> completions(int n, Random random) {
        List<CompletionExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new CompletionExample(tokens(1 + random.nextInt(5), random), tokens(1 + random.nextInt(6), random)));
        }
        return out;
    }

    /** Pairs whose chosen completion contains the mark token 7 somewhere and whose rejected one does not. */
    static List<PreferenceExample> markedPairs(int n, long seed) {
        Random random = new Random(seed);
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] chosen = tokens(3 + random.nextInt(3), random);
            chosen[random.nextInt(chosen.length)] = MARK;
            out.add(new PreferenceExample(tokens(2 + random.nextInt(2), random), chosen, tokens(3 + random.nextInt(3), random)));
        }
        return out;
    }

    /** A sink that keeps every report, in order. */
    static MetricsSink collect(List<Map<String, Double>> into) {
        return (step, metrics) -> into.add(new java.util.LinkedHashMap<>(metrics));
    }

    /** The reports without their wall-clock figure. */
    static List<Map<String, Double>> withoutTiming(List<Map<String, Double>> reports) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (Map<String, Double> m : reports) {
            Map<String, Double> copy = new java.util.LinkedHashMap<>(m);
            copy.remove("tokens_per_second");
            out.add(copy);
        }
        return out;
    }
}
