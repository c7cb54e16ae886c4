package dev.rlhf4j.nn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.TensorRandom;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The sampler against the warpers' definitions written out naively: sort everything for top-k, sort every kept
 * token by value (stable, so ties keep index order) for top-p, then draw. Same seed, same picks and log-probs,
 * bit for bit, on peaked and flat distributions with ties: so {@link NucleusHeadSort}'s partial sort changes
 * nothing.
 */
class SamplerProperties {

    @Property(tries = 300)
    void picksEqualTheNaiveDefinition(@ForAll @IntRange(min = 1, max = 3000) int vocab,
                                      @ForAll @DoubleRange(min = 0.05, max = 30) double spread,
                                      @ForAll @IntRange(min = 0, max = 8) int tieLevels,
                                      @ForAll @DoubleRange(min = 0.1, max = 2.5) double temperature,
                                      @ForAll @IntRange(min = 0, max = 60) int topK,
                                      @ForAll @DoubleRange(min = 0.01, max = 1.0) double topP,
                                      @ForAll @LongRange(min = 0, max = 1 << 20) long seed) {
        Random r = new Random(seed);
        double[] logits = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            // tieLevels > 0 draws from a few values, so ties are common; else continuous values
            logits[i] = tieLevels > 0 ? spread * (r.nextInt(tieLevels) - tieLevels / 2) : spread * r.nextGaussian();
            if (logits[i] == 0 && r.nextBoolean()) {
                logits[i] = -0.0;                                             // Double.compare orders -0 below +0
            }
        }
        GenerationConfig config = GenerationConfig.sampling(1, temperature, topK, topP, -1, seed);
        Sampler fast = new Sampler(config);
        TensorRandom random = new TensorRandom(seed);
        for (int draw = 0; draw < 5; draw++) {
            Sampler.Pick got = fast.pick(logits);
            Sampler.Pick want = naive(logits, config, random);
            assertEquals(want.token(), got.token(), "token, draw " + draw);
            assertEquals(want.logprob(), got.logprob(), 0.0, "log-probability, draw " + draw);
        }
    }

    private static Sampler.Pick naive(double[] logits, GenerationConfig config, TensorRandom random) {
        double[] z = new double[logits.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = logits[i] / config.temperature();
        }
        boolean[] kept = new boolean[z.length];
        Arrays.fill(kept, true);
        if (config.topK() > 0 && config.topK() < z.length) {
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[sorted.length - config.topK()];
            for (int i = 0; i < z.length; i++) {
                kept[i] = z[i] >= kth;
            }
        }
        if (config.topP() < 1.0) {
            double lse = logSumExp(z, kept);
            Integer[] live = new Integer[z.length];
            int n = 0;
            for (int i = 0; i < z.length; i++) {
                if (kept[i]) {
                    live[n++] = i;
                }
            }
            live = Arrays.copyOf(live, n);
            Arrays.sort(live, (a, b) -> Double.compare(z[b], z[a]));
            double cumulative = 0;
            for (Integer i : live) {
                if (cumulative >= config.topP()) {
                    kept[i] = false;
                }
                cumulative += Math.exp(z[i] - lse);
            }
        }
        double lse = logSumExp(z, kept);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < z.length; i++) {
            if (kept[i]) {
                last = i;
                cumulative += Math.exp(z[i] - lse);
                if (u < cumulative) {
                    return new Sampler.Pick(i, z[i] - lse);
                }
            }
        }
        return new Sampler.Pick(last, z[last] - lse);
    }

    private static double logSumExp(double[] z, boolean[] kept) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < z.length; i++) {
            if (kept[i]) {
                max = Math.max(max, z[i]);
            }
        }
        double s = 0;
        for (int i = 0; i < z.length; i++) {
            if (kept[i]) {
                s += Math.exp(z[i] - max);
            }
        }
        return max + Math.log(s);
    }
}
