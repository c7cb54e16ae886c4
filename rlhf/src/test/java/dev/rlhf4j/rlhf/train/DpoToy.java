package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Miniature models, preference data and a metrics recorder for the DPO trainer's tests. */
final class DpoToy {
    static final int VOCAB = 64;

    private DpoToy() {
    }

    /** A random GPT-2 of 2 blocks, 4 heads, 16 channels, 32 positions, vocabulary 64, no dropout; EOS (the pad) is 63. */
    static Gpt2LMHeadModel model(DType type, long seed) {
        Gpt2Config c = new Gpt2Config(2, 4, 16, 32, VOCAB, 1e-5, "gelu_new", "float32", 63, 63, 0.0, 0.0, 0.0);
        return Gpt2LMHeadModel.random(c, type, seed);
    }

    /**
     * {@code n} pairs with random prompts of 1 to 5 tokens where the chosen completion is made of tokens below 8 and
     * the rejected one of tokens 40 to 47, each 1 to 4 tokens long: a preference a tiny model learns in a few steps.
     */
    static List<PreferenceExample> toyPreference(int n, long seed) {
        Random random = new Random(seed);
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PreferenceExample(tokens(random, 1 + random.nextInt(5), 8, 32),
                    tokens(random, 1 + random.nextInt(4), 0, 8), tokens(random, 1 + random.nextInt(4), 40, 48)));
        }
        return out;
    }

    /** {@code n} pairs of random tokens below 63, prompts of 1 to 6 and completions of 1 to 6 tokens. */
    static List<PreferenceExample> randomPairs(int n, Random random) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PreferenceExample(tokens(random, 1 + random.nextInt(6), 0, 63),
                    tokens(random, 1 + random.nextInt(6), 0, 63), tokens(random, 1 + random.nextInt(6), 0, 63)));
        }
        return out;
    }

    private static int[] tokens(Random random, int length, int from, int to) {
        int[] t = new int[length];
        for (int j = 0; j < length; j++) {
            t[j] = from + random.nextInt(to - from);
        }
        return t;
    }

    /** Collects every reported step's metrics, in order. */
    static final class Recorder implements MetricsSink {
        final List<Map<String, Double>> steps = new ArrayList<>();

        @Override
        public void onStep(long step, Map<String, Double> metrics) {
            if (step != steps.size() + 1) {
                throw new AssertionError("steps are reported in order from 1, got " + step + " after " + steps.size());
            }
            steps.add(new LinkedHashMap<>(metrics));
        }

        double first(String name) {
            return steps.get(0).get(name);
        }

        /** The mean of the last {@code k} steps' values of {@code name}. */
        double last(String name, int k) {
            double s = 0;
            for (int i = steps.size() - k; i < steps.size(); i++) {
                s += steps.get(i).get(name);
            }
            return s / k;
        }

        /** Every step's metrics without the wall-clock figure. */
        List<Map<String, Double>> withoutTiming() {
            List<Map<String, Double>> out = new ArrayList<>();
            for (Map<String, Double> m : steps) {
                Map<String, Double> copy = new LinkedHashMap<>(m);
                copy.remove("tokens_per_second");
                out.add(copy);
            }
            return out;
        }
    }
}
