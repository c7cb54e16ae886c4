package dev.rlhf4j.rlhf.advantage;

import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.completionMask;
import static dev.rlhf4j.rlhf.Batches.scrambleMasked;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static dev.rlhf4j.rlhf.Batches.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Masked whitening: the selected entries come out with mean 0 and variance 1; the rest are 0 and never matter. */
class WhiteningProperties {
    private static final int B = 3;
    private static final int T = 6;

    private static double[] meanAndVariance(double[] x, double[] m, boolean unbiased) {
        double n = 0;
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            n += m[i];
            sum += m[i] * x[i];
        }
        double mean = sum / n;
        double ss = 0;
        for (int i = 0; i < x.length; i++) {
            ss += m[i] * (x[i] - mean) * (x[i] - mean);
        }
        return new double[] {mean, ss / (unbiased ? n - 1 : n)};
    }

    /** Rows from {@link dev.rlhf4j.rlhf.Batches#completionMask} with at least two selected entries in all. */
    private static double[] maskWithTwoEntries(Random random) {
        double[] m;
        do {
            m = completionMask(B, T, random);
        } while (java.util.Arrays.stream(m).sum() < 2);
        return m;
    }

    @Property(tries = 40)
    void selectedEntriesGetMeanZeroAndUnitVariance(@ForAll boolean unbiased, @ForAll long seed) {
        Random random = new Random(seed);
        double[] x = uniform(B * T, -3, 5, random);
        double[] m = maskWithTwoEntries(random);
        try (Arena arena = Arena.open()) {
            double[] w = new Whitening(true, unbiased, 0.0).apply(t64(x, B, T), t64(m, B, T)).toDoubleArray();
            double[] stats = meanAndVariance(w, m, unbiased);
            assertEquals(0.0, stats[0], 1e-12);
            assertEquals(1.0, stats[1], 1e-12);
            double[] before = meanAndVariance(x, m, unbiased);
            double[] kept = new Whitening(false, unbiased, 0.0).apply(t64(x, B, T), t64(m, B, T)).toDoubleArray();
            double[] keptStats = meanAndVariance(kept, m, unbiased);
            assertEquals(before[0], keptStats[0], 1e-12, "without shifting, the mean is kept");
            assertEquals(1.0, keptStats[1], 1e-12);
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    assertEquals(0.0, w[i], 0.0);
                }
            }
        }
    }

    /** TRL's epsilon 1e-8 only shrinks the variance by a relative 1e-8 / var. */
    @Property(tries = 20)
    void trlPresetIsUnbiasedWithTinyEpsilon(@ForAll long seed) {
        Random random = new Random(seed);
        double[] x = uniform(B * T, -3, 5, random);
        double[] m = maskWithTwoEntries(random);
        try (Arena arena = Arena.open()) {
            double[] w = Whitening.trl().apply(t64(x, B, T), t64(m, B, T)).toDoubleArray();
            double var = meanAndVariance(x, m, true)[1];
            assertEquals(var / (var + 1e-8), meanAndVariance(w, m, true)[1], 1e-12);
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyResult(@ForAll long seed) {
        Random random = new Random(seed);
        double[] x = uniform(B * T, -3, 5, random);
        double[] m = maskWithTwoEntries(random);
        try (Arena arena = Arena.open()) {
            Tensor mask = t64(m, B, T);
            assertArrayEquals(Whitening.trl().apply(t64(x, B, T), mask).toDoubleArray(),
                    Whitening.trl().apply(t64(scrambleMasked(x, m, random), B, T), mask).toDoubleArray(), 0.0);
        }
    }

    @Property(tries = 2)
    void gradientMatchesFiniteDifferences(@ForAll long seed) {
        Random random = new Random(seed);
        Tensor x = variable(uniform(8, -2, 2, random), 2, 4);
        Tensor mask = t64(new double[] {0, 1, 1, 1, 1, 1, 0, 0}, 2, 4);
        assertGradientMatches(in -> Whitening.trl().apply(in[0], mask), x);
        assertGradientMatches(in -> Whitening.trlRewards().apply(in[0], mask), x);
    }
}
