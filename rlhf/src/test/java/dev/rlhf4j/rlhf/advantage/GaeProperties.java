package dev.rlhf4j.rlhf.advantage;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Batches.completionMask;
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
 * Masked rewards and values count as 0 and V after the last position as 0 (TRL's convention).
 */
class GaeProperties {
    private static final int B = 3;
    private static final int T = 7;

    /** The explicit-sum definition on the zero-filled row. */
    private static double[] explicitSum(double[] r, double[] v, double[] m, double gamma, double lambda) {
        double[] adv = new double[B * T];
        for (int i = 0; i < B; i++) {
            double[] delta = new double[T];
            for (int s = 0; s < T; s++) {
                double vs = m[i * T + s] * v[i * T + s];
                double vNext = s + 1 < T ? m[i * T + s + 1] * v[i * T + s + 1] : 0.0;
                delta[s] = m[i * T + s] * r[i * T + s] + gamma * vNext - vs;
            }
            for (int s = 0; s < T; s++) {
                double a = 0;
                for (int l = 0; s + l < T; l++) {
                    a += Math.pow(gamma * lambda, l) * delta[s + l];
                }
                adv[i * T + s] = m[i * T + s] * a;
            }
        }
        return adv;
    }

    @Property(tries = 40)
    void advantagesEqualTheExplicitSumAndReturnsAreAdvantagesPlusValues(
            @ForAll @DoubleRange(min = 0.5, max = 1) double gamma, @ForAll @DoubleRange(min = 0, max = 1) double lambda,
            @ForAll long seed) {
        Random random = new Random(seed);
        double[] r = uniform(B * T, -1, 1, random);
        double[] v = uniform(B * T, -2, 2, random);
        double[] m = completionMask(B, T, random);
        try (Arena arena = Arena.open()) {
            var out = new GeneralizedAdvantageEstimation(gamma, lambda).estimate(t64(r, B, T), t64(v, B, T), t64(m, B, T));
            double[] expected = explicitSum(r, v, m, gamma, lambda);
            assertClose(expected, out.advantages().toDoubleArray(), 1e-12, "advantages");
            double[] returns = new double[B * T];
            for (int k = 0; k < returns.length; k++) {
                returns[k] = m[k] * (expected[k] + v[k]);
            }
            assertClose(returns, out.returns().toDoubleArray(), 1e-12, "returns");
        }
    }

    @Property(tries = 40)
    void atLambdaOneAdvantagesAreDiscountedReturnsMinusValues(@ForAll @DoubleRange(min = 0.5, max = 1) double gamma,
                                                              @ForAll long seed) {
        Random random = new Random(seed);
        double[] r = uniform(B * T, -1, 1, random);
        double[] v = uniform(B * T, -2, 2, random);
        double[] m = completionMask(B, T, random);
        double[] expected = new double[B * T];
        for (int i = 0; i < B; i++) {
            for (int s = 0; s < T; s++) {
                double g = 0;
                for (int k = s; k < T; k++) {
                    g += Math.pow(gamma, k - s) * m[i * T + k] * r[i * T + k];
                }
                expected[i * T + s] = m[i * T + s] * (g - v[i * T + s]);
            }
        }
        try (Arena arena = Arena.open()) {
            var out = new GeneralizedAdvantageEstimation(gamma, 1.0).estimate(t64(r, B, T), t64(v, B, T), t64(m, B, T));
            assertClose(expected, out.advantages().toDoubleArray(), 1e-12, "advantages at lambda 1");
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyResult(@ForAll long seed) {
        Random random = new Random(seed);
        double[] r = uniform(B * T, -1, 1, random);
        double[] v = uniform(B * T, -2, 2, random);
        double[] m = completionMask(B, T, random);
        try (Arena arena = Arena.open()) {
            GeneralizedAdvantageEstimation gae = GeneralizedAdvantageEstimation.trlDefaults();
            var a = gae.estimate(t64(r, B, T), t64(v, B, T), t64(m, B, T));
            var b = gae.estimate(t64(scrambleMasked(r, m, random), B, T), t64(scrambleMasked(v, m, random), B, T), t64(m, B, T));
            assertArrayEquals(a.advantages().toDoubleArray(), b.advantages().toDoubleArray(), 0.0);
            assertArrayEquals(a.returns().toDoubleArray(), b.returns().toDoubleArray(), 0.0);
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
            Tensor truncated = GeneralizedAdvantageEstimation.truncated(t64(r, 2, t), t64(discounts, 2, t), t64(bootstrapped, 2, t + 1), lambda);
            var estimate = new GeneralizedAdvantageEstimation(gamma, lambda).estimate(t64(r, 2, t), t64(v, 2, t),
                    Tensor.ones(DType.FLOAT64, 2, t));
            assertClose(truncated.toDoubleArray(), estimate.advantages().toDoubleArray(), 1e-13, "estimate vs truncated");
        }
    }

    @Test
    void shapeMismatchIsRejected() {
        try (Arena arena = Arena.open()) {
            assertThrows(ShapeException.class, () -> GeneralizedAdvantageEstimation.trlDefaults().estimate(
                    Tensor.zeros(DType.FLOAT64, 2, 3), Tensor.zeros(DType.FLOAT64, 2, 4), Tensor.ones(DType.FLOAT64, 2, 3)));
            assertThrows(ShapeException.class, () -> GeneralizedAdvantageEstimation.truncated(Tensor.zeros(DType.FLOAT64, 2, 3),
                    Tensor.zeros(DType.FLOAT64, 2, 3), Tensor.zeros(DType.FLOAT64, 2, 3), 0.9));
            assertThrows(IllegalArgumentException.class, () -> new GeneralizedAdvantageEstimation(1.5, 0.9));
        }
    }
}
