package dev.rlhf4j.rlhf.kl;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.anyMask;
import static dev.rlhf4j.rlhf.Batches.scrambleMasked;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static dev.rlhf4j.rlhf.Batches.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The exact KL and the sampled estimators k1/k2/k3: closed forms, non-negativity, unbiasedness, masks, gradients. */
class KlProperties {
    private static double[] softmax(double[] logits, int offset, int v) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v; k++) {
            max = Math.max(max, logits[offset + k]);
        }
        double z = 0;
        double[] p = new double[v];
        for (int k = 0; k < v; k++) {
            p[k] = Math.exp(logits[offset + k] - max);
            z += p[k];
        }
        for (int k = 0; k < v; k++) {
            p[k] /= z;
        }
        return p;
    }

    private static double hostKl(double[] p, double[] q) {
        double kl = 0;
        for (int k = 0; k < p.length; k++) {
            kl += p[k] * (Math.log(p[k]) - Math.log(q[k]));
        }
        return kl;
    }

    @Property(tries = 40)
    void exactKlIsNonNegativeAndMatchesTheHostSum(@ForAll @IntRange(min = 2, max = 9) int v, @ForAll long seed) {
        Random random = new Random(seed);
        int n = 4;
        double[] a = uniform(n * v, -5, 5, random);
        double[] b = uniform(n * v, -5, 5, random);
        try (Arena arena = Arena.open()) {
            double[] kl = ExactKl.ofDistributions(t64(a, n, v), t64(b, n, v), 1.0).toDoubleArray();
            for (int i = 0; i < n; i++) {
                double[] p = softmax(a, i * v, v);
                double[] q = softmax(b, i * v, v);
                assertEquals(hostKl(p, q), kl[i], 1e-12 * Math.max(1, kl[i]));
                assertTrue(kl[i] >= 0.0, "KL " + kl[i] + " < 0");
                double totalVariation = 0;
                for (int k = 0; k < v; k++) {
                    totalVariation += 0.5 * Math.abs(p[k] - q[k]);
                }
                // Pinsker: KL >= 2 TV^2, so KL vanishes only when the distributions agree.
                assertTrue(kl[i] >= 2 * totalVariation * totalVariation - 1e-12, "Pinsker violated");
            }
        }
    }

    /** Logits that differ by a constant per row are the same distribution: the KL is 0 (to rounding). */
    @Property(tries = 30)
    void exactKlIsZeroForEqualDistributions(@ForAll @IntRange(min = 2, max = 9) int v, @ForAll long seed) {
        Random random = new Random(seed);
        double[] a = uniform(3 * v, -5, 5, random);
        double[] shifted = a.clone();
        for (int i = 0; i < 3; i++) {
            double c = (random.nextDouble() - 0.5) * 20;
            for (int k = 0; k < v; k++) {
                shifted[i * v + k] += c;
            }
        }
        try (Arena arena = Arena.open()) {
            for (double kl : ExactKl.ofDistributions(t64(a, 3, v), t64(shifted, 3, v), 0.7).toDoubleArray()) {
                assertEquals(0.0, kl, 1e-13);
            }
        }
    }

    @Property(tries = 30)
    void estimatorsMatchTheirFormulasAndK2K3AreNonNegative(@ForAll @IntRange(min = 1, max = 4) int b,
                                                            @ForAll @IntRange(min = 1, max = 7) int t, @ForAll long seed) {
        Random random = new Random(seed);
        double[] logp = uniform(b * t, -8, 0, random);
        double[] logq = uniform(b * t, -8, 0, random);
        double[] mask = anyMask(b, t, random);
        try (Arena arena = Arena.open()) {
            Tensor m = t64(mask, b, t);
            double[] k1 = KlEstimator.K1.perToken(t64(logp, b, t), t64(logq, b, t), m).toDoubleArray();
            double[] k2 = KlEstimator.K2.perToken(t64(logp, b, t), t64(logq, b, t), m).toDoubleArray();
            double[] k3 = KlEstimator.K3.perToken(t64(logp, b, t), t64(logq, b, t), m).toDoubleArray();
            double[] seq3 = KlEstimator.K3.perSequence(t64(logp, b, t), t64(logq, b, t), m).toDoubleArray();
            double[] rowSum = new double[b];
            for (int i = 0; i < b * t; i++) {
                double r = logp[i] - logq[i];
                double selected = mask[i];
                assertEquals(selected * r, k1[i], 1e-12);
                assertEquals(selected * r * r / 2, k2[i], 1e-12 * Math.max(1, k2[i]));
                assertEquals(selected * (Math.exp(-r) - 1 + r), k3[i], 1e-12 * Math.max(1, k3[i]));
                assertTrue(k2[i] >= 0 && k3[i] >= 0);
                rowSum[i / t] += k3[i];
            }
            assertClose(rowSum, seq3, 1e-12, "k3 per sequence");
        }
    }

    /**
     * k1 and k3 are unbiased: their mean over tokens drawn from p converges to KL(p || q). 40000 draws put the
     * sample mean within 5 standard errors of the exact value (a false failure has probability below 1e-6).
     */
    @Property(tries = 5)
    void k1AndK3MeansOverSamplesFromPConvergeToTheExactKl(@ForAll @IntRange(min = 2, max = 6) int v, @ForAll long seed) {
        Random random = new Random(seed);
        double[] a = uniform(v, -2, 2, random);
        double[] b = uniform(v, -2, 2, random);
        double[] p = softmax(a, 0, v);
        double[] q = softmax(b, 0, v);
        int n = 40_000;
        double[] logp = new double[n];
        double[] logq = new double[n];
        for (int s = 0; s < n; s++) {
            double u = random.nextDouble();
            int k = 0;
            for (double c = p[0]; c < u && k < v - 1; c += p[++k]) {
                // walk the cumulative distribution to the sampled token
            }
            logp[s] = Math.log(p[k]);
            logq[s] = Math.log(q[k]);
        }
        try (Arena arena = Arena.open()) {
            double exact = ExactKl.ofDistributions(t64(a, 1, v), t64(b, 1, v), 1.0).item();
            Tensor ones = Tensor.ones(DType.FLOAT64, 1, n);
            for (KlEstimator k : new KlEstimator[] {KlEstimator.K1, KlEstimator.K3}) {
                double[] samples = k.perToken(t64(logp, 1, n), t64(logq, 1, n), ones).toDoubleArray();
                double mean = 0;
                for (double x : samples) {
                    mean += x / n;
                }
                double var = 0;
                for (double x : samples) {
                    var += (x - mean) * (x - mean) / (n - 1);
                }
                double standardError = Math.sqrt(var / n);
                assertEquals(exact, mean, 5 * standardError + 1e-12, k + " mean over " + n + " samples");
            }
        }
    }

    @Property(tries = 20)
    void maskedPositionsNeverChangeAnyEstimate(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 2, max = 6) int t,
                                               @ForAll long seed) {
        Random random = new Random(seed);
        int v = 4;
        double[] logp = uniform(b * t, -6, 0, random);
        double[] logq = uniform(b * t, -6, 0, random);
        double[] mask = anyMask(b, t - 1, random);
        double[] tokenMask = new double[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(mask, i * (t - 1), tokenMask, i * t, t - 1);
        }
        double[] pl = uniform(b * t * v, -4, 4, random);
        double[] rl = uniform(b * t * v, -4, 4, random);
        double[] plScrambled = pl.clone();
        double[] rlScrambled = rl.clone();
        for (int i = 0; i < b * t; i++) {
            if (tokenMask[i] == 0) {
                for (int k = 0; k < v; k++) {
                    plScrambled[i * v + k] = random.nextDouble() * 500;
                    rlScrambled[i * v + k] = -random.nextDouble() * 500;
                }
            }
        }
        try (Arena arena = Arena.open()) {
            Tensor m = t64(tokenMask, b, t);
            for (KlEstimator k : KlEstimator.values()) {
                assertArrayEquals(k.perToken(t64(logp, b, t), t64(logq, b, t), m, 10).toDoubleArray(),
                        k.perToken(t64(scrambleMasked(logp, tokenMask, random), b, t), t64(scrambleMasked(logq, tokenMask, random), b, t), m, 10)
                                .toDoubleArray(), 0.0);
            }
            Tensor cm = t64(mask, b, t - 1);
            assertArrayEquals(ExactKl.of(t64(pl, b, t, v), t64(rl, b, t, v), cm, 1.0).toDoubleArray(),
                    ExactKl.of(t64(plScrambled, b, t, v), t64(rlScrambled, b, t, v), cm, 1.0).toDoubleArray(), 0.0);
        }
    }

    /** The clamp bounds each value and, as torch.clamp, passes no gradient where it binds. */
    @Test
    void clampBoundsValuesAndStopsTheirGradient() {
        try (Arena arena = Arena.open()) {
            Tensor logp = variable(new double[] {-20, -0.5, 0.25, 3}, 1, 4);
            Tensor logq = t64(new double[] {0, 0, 0, 0}, 1, 4);
            Tensor k3 = KlEstimator.K3.perToken(logp, logq, Tensor.ones(DType.FLOAT64, 1, 4), 10.0);
            double[] values = k3.toDoubleArray();
            assertEquals(10.0, values[0]);
            assertEquals(Math.exp(0.5) - 1.5, values[1], 1e-15);
            k3.sum().backward();
            double[] grad = logp.grad().toDoubleArray();
            assertEquals(0.0, grad[0], 0.0);
            assertEquals(1 - Math.exp(0.5), grad[1], 1e-15);                 // d/dr (e^-r - 1 + r) = 1 - e^-r
            assertEquals(1 - Math.exp(-0.25), grad[2], 1e-15);
        }
    }

    /** Each finite-difference element costs two forward passes, so the shapes stay small; the masks are arbitrary. */
    @Property(tries = 15)
    void estimatorAndExactKlGradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int b,
            @ForAll @IntRange(min = 1, max = 3) int t, @ForAll @IntRange(min = 2, max = 4) int v,
            @ForAll @DoubleRange(min = 0.5, max = 2) double temperature, @ForAll long seed) {
        Random random = new Random(seed);
        Tensor logp = variable(uniform(b * t, -3, 0, random), b, t);
        Tensor logq = variable(uniform(b * t, -3, 0, random), b, t);
        Tensor mask = t64(anyMask(b, t, random), b, t);
        for (KlEstimator k : KlEstimator.values()) {
            assertGradientMatches(x -> k.perSequence(x[0], x[1], mask), logp, logq);
        }
        Tensor pl = variable(uniform(b * (t + 1) * v, -2, 2, random), b, t + 1, v);
        Tensor rl = variable(uniform(b * (t + 1) * v, -2, 2, random), b, t + 1, v);
        assertGradientMatches(x -> ExactKl.of(x[0], x[1], mask, temperature), pl, rl);
    }

    @Test
    void shapeMismatchNamesTheShapes() {
        try (Arena arena = Arena.open()) {
            ShapeException e = assertThrows(ShapeException.class, () -> KlEstimator.K1.perToken(Tensor.zeros(DType.FLOAT32, 2, 3),
                    Tensor.zeros(DType.FLOAT32, 2, 4), Tensor.ones(DType.FLOAT32, 2, 3)));
            assertTrue(e.getMessage().contains("[2,3]") && e.getMessage().contains("[2,4]"), e.getMessage());
            assertThrows(ShapeException.class, () -> KlEstimator.K3.perToken(Tensor.zeros(DType.FLOAT32, 2, 3),
                    Tensor.zeros(DType.FLOAT32, 2, 3), Tensor.ones(DType.FLOAT32, 3, 2)));
            assertThrows(ShapeException.class, () -> ExactKl.of(Tensor.zeros(DType.FLOAT32, 1, 4, 5), Tensor.zeros(DType.FLOAT32, 1, 4, 5),
                    Tensor.ones(DType.FLOAT32, 1, 4), 1.0));
        }
    }
}
