package dev.rlhf4j.rlhf.advantage;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Batches.anyMask;
import static dev.rlhf4j.rlhf.Batches.scrambleMasked;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

/**
 * GAE against its definitions, written independently of the backward recursion: the explicit sum
 * A_t = sum_l (gamma lambda)^l delta_{t+l}, and at lambda = 1 the discounted return minus the value.
 * Masked rewards and values count as 0 and V after the last position as 0 (TRL's convention), so a masked
 * position inside a row is a step with zero reward and zero value; the masks are arbitrary (holes included).
 */
class GaeProperties {
    /** The explicit-sum definition on the zero-filled row. */
    private static double[] explicitSum(double[] r, double[] v, double[] m, int b, int t, double gamma, double lambda) {
        double[] adv = new double[b * t];
        for (int i = 0; i < b; i++) {
            double[] delta = new double[t];
            for (int s = 0; s < t; s++) {
                double vs = m[i * t + s] * v[i * t + s];
                double vNext = s + 1 < t ? m[i * t + s + 1] * v[i * t + s + 1] : 0.0;
                delta[s] = m[i * t + s] * r[i * t + s] + gamma * vNext - vs;
            }
            for (int s = 0; s < t; s++) {
                double a = 0;
                for (int l = 0; s + l < t; l++) {
                    a += Math.pow(gamma * lambda, l) * delta[s + l];
                }
                adv[i * t + s] = m[i * t + s] * a;
            }
        }
        return adv;
    }

    @Property(tries = 40)
    void advantagesEqualTheExplicitSumAndReturnsAreAdvantagesPlusValues(
            @ForAll @DoubleRange(min = 0.5, max = 1) double gamma, @ForAll @DoubleRange(min = 0, max = 1) double lambda,
            @ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 8) int t, @ForAll long seed) {
        Random random = new Random(seed);
        double[] r = uniform(b * t, -1, 1, random);
        double[] v = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        try (Arena arena = Arena.open()) {
            var out = new GeneralizedAdvantageEstimation(gamma, lambda).estimate(t64(r, b, t), t64(v, b, t), t64(m, b, t));
            double[] expected = explicitSum(r, v, m, b, t, gamma, lambda);
            assertClose(expected, out.advantages().toDoubleArray(), 1e-12, "advantages");
            double[] returns = new double[b * t];
            for (int k = 0; k < returns.length; k++) {
                returns[k] = m[k] * (expected[k] + v[k]);
            }
            assertClose(returns, out.returns().toDoubleArray(), 1e-12, "returns");
        }
    }

    @Property(tries = 40)
    void atLambdaOneAdvantagesAreDiscountedReturnsMinusValues(@ForAll @DoubleRange(min = 0.5, max = 1) double gamma,
                                                              @ForAll @IntRange(min = 1, max = 4) int b,
                                                              @ForAll @IntRange(min = 1, max = 8) int t, @ForAll long seed) {
        Random random = new Random(seed);
        double[] r = uniform(b * t, -1, 1, random);
        double[] v = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        double[] expected = new double[b * t];
        for (int i = 0; i < b; i++) {
            for (int s = 0; s < t; s++) {
                double g = 0;
                for (int k = s; k < t; k++) {
                    g += Math.pow(gamma, k - s) * m[i * t + k] * r[i * t + k];
                }
                expected[i * t + s] = m[i * t + s] * (g - v[i * t + s]);
            }
        }
        try (Arena arena = Arena.open()) {
            var out = new GeneralizedAdvantageEstimation(gamma, 1.0).estimate(t64(r, b, t), t64(v, b, t), t64(m, b, t));
            assertClose(expected, out.advantages().toDoubleArray(), 1e-12, "advantages at lambda 1");
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyResult(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 8) int t,
                                             @ForAll long seed) {
        Random random = new Random(seed);
        double[] r = uniform(b * t, -1, 1, random);
        double[] v = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        try (Arena arena = Arena.open()) {
            GeneralizedAdvantageEstimation gae = GeneralizedAdvantageEstimation.trlDefaults();
            var plain = gae.estimate(t64(r, b, t), t64(v, b, t), t64(m, b, t));
            var scrambled = gae.estimate(t64(scrambleMasked(r, m, random), b, t), t64(scrambleMasked(v, m, random), b, t), t64(m, b, t));
            assertArrayEquals(plain.advantages().toDoubleArray(), scrambled.advantages().toDoubleArray(), 0.0);
            assertArrayEquals(plain.returns().toDoubleArray(), scrambled.returns().toDoubleArray(), 0.0);
        }
    }

    /** The TRL-style estimate is rlax's truncated GAE with constant discounts, zero-filled inputs and a zero bootstrap. */
    @Property(tries = 20)
    void estimateAgreesWithTruncatedGaeOnFullMasks(@ForAll @DoubleRange(min = 0.5, max = 1) double gamma,
                                                   @ForAll @DoubleRange(min = 0, max = 1) double lambda,
                                                   @ForAll @IntRange(min = 1, max = 6) int t, @ForAll long seed) {
        Random random = new Random(seed);
        double[] r = uniform(2 * t, -1, 1, random);
        double[] v = uniform(2 * t, -2, 2, random);
        double[] bootstrapped = new double[2 * (t + 1)];
        for (int i = 0; i < 2; i++) {
            System.arraycopy(v, i * t, bootstrapped, i * (t + 1), t);
        }
        double[] discounts = new double[2 * t];
        java.util.Arrays.fill(discounts, gamma);
        try (Arena arena = Arena.open()) {
            double[] truncated = GeneralizedAdvantageEstimation.truncated(r, discounts, bootstrapped, lambda, 2, t);
            var estimate = new GeneralizedAdvantageEstimation(gamma, lambda).estimate(t64(r, 2, t), t64(v, 2, t),
                    Tensor.ones(DType.FLOAT64, 2, t));
            assertClose(truncated, estimate.advantages().toDoubleArray(), 1e-13, "estimate vs truncated");
        }
    }

    @Test
    void shapeMismatchIsRejected() {
        try (Arena arena = Arena.open()) {
            assertThrows(ShapeException.class, () -> GeneralizedAdvantageEstimation.trlDefaults().estimate(
                    Tensor.zeros(DType.FLOAT64, 2, 3), Tensor.zeros(DType.FLOAT64, 2, 4), Tensor.ones(DType.FLOAT64, 2, 3)));
            assertThrows(ShapeException.class, () -> GeneralizedAdvantageEstimation.truncated(new double[6], new double[6], new double[6],
                    0.9, 2, 3));
            assertThrows(IllegalArgumentException.class, () -> new GeneralizedAdvantageEstimation(1.5, 0.9));
        }
    }
}
