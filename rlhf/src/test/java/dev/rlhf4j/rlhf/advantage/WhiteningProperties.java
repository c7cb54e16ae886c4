package dev.rlhf4j.rlhf.advantage;

import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.anyMask;
import static dev.rlhf4j.rlhf.Batches.count;
import static dev.rlhf4j.rlhf.Batches.scrambleMasked;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static dev.rlhf4j.rlhf.Batches.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Masked whitening: the selected entries come out with mean 0 and variance 1; the rest are 0 and never matter. */
class WhiteningProperties {
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

    /** A mask from {@link dev.rlhf4j.rlhf.Batches#anyMask} with at least two selected entries in all (needs b t >= 2). */
    private static double[] maskWithTwoEntries(int b, int t, Random random) {
        double[] m;
        do {
            m = anyMask(b, t, random);
        } while (count(m) < 2);
        return m;
    }

    @Property(tries = 40)
    void selectedEntriesGetMeanZeroAndUnitVariance(@ForAll boolean unbiased, @ForAll @IntRange(min = 1, max = 4) int b,
                                                    @ForAll @IntRange(min = 1, max = 7) int t, @ForAll long seed) {
        Assume.that(b * t >= 2);
        Random random = new Random(seed);
        double[] x = uniform(b * t, -3, 5, random);
        double[] m = maskWithTwoEntries(b, t, random);
        try (Arena arena = Arena.open()) {
            double[] w = new Whitening(true, unbiased, 0.0).apply(t64(x, b, t), t64(m, b, t)).toDoubleArray();
            double[] stats = meanAndVariance(w, m, unbiased);
            assertEquals(0.0, stats[0], 1e-12);
            assertEquals(1.0, stats[1], 1e-12);
            double[] before = meanAndVariance(x, m, unbiased);
            double[] kept = new Whitening(false, unbiased, 0.0).apply(t64(x, b, t), t64(m, b, t)).toDoubleArray();
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
    void trlPresetIsUnbiasedWithTinyEpsilon(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t,
                                            @ForAll long seed) {
        Assume.that(b * t >= 2);
        Random random = new Random(seed);
        double[] x = uniform(b * t, -3, 5, random);
        double[] m = maskWithTwoEntries(b, t, random);
        try (Arena arena = Arena.open()) {
            double[] w = Whitening.trl().apply(t64(x, b, t), t64(m, b, t)).toDoubleArray();
            double var = meanAndVariance(x, m, true)[1];
            assertEquals(var / (var + 1e-8), meanAndVariance(w, m, true)[1], 1e-12);
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyResult(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t,
                                             @ForAll long seed) {
        Assume.that(b * t >= 2);
        Random random = new Random(seed);
        double[] x = uniform(b * t, -3, 5, random);
        double[] m = maskWithTwoEntries(b, t, random);
        try (Arena arena = Arena.open()) {
            Tensor mask = t64(m, b, t);
            assertArrayEquals(Whitening.trl().apply(t64(x, b, t), mask).toDoubleArray(),
                    Whitening.trl().apply(t64(scrambleMasked(x, m, random), b, t), mask).toDoubleArray(), 0.0);
        }
    }

    /** Over arbitrary masks with at least two selected entries, with and without the mean shift. */
    @Property(tries = 15)
    void gradientMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 6) int t,
                                          @ForAll long seed) {
        Assume.that(b * t >= 2);
        Random random = new Random(seed);
        Tensor x = variable(uniform(b * t, -2, 2, random), b, t);
        Tensor mask = t64(maskWithTwoEntries(b, t, random), b, t);
        assertGradientMatches(in -> Whitening.trl().apply(in[0], mask), x);
        assertGradientMatches(in -> Whitening.trlRewards().apply(in[0], mask), x);
    }
}
