package dev.rlhf4j.rlhf.reward;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Batches.anyMask;
import static dev.rlhf4j.rlhf.Batches.scrambleMasked;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** PPO reward shaping against hand-computed rewards: KL penalty per token, the score on the last completion token. */
class RewardShapingTest {
    /** Row 0: prompt, 3 completion tokens, padding; row 1: completion to the end. */
    private static final double[] MASK = {0, 1, 1, 1, 0, 0, 1, 1, 1, 1};
    private static final double[] LOGP = {-9, -1.0, -2.0, -0.5, -7, -7, -0.25, -3.0, -1.5, -0.75};
    private static final double[] REF = {-1, -1.5, -1.0, -0.5, -2, -2, -0.5, -2.0, -2.5, -0.25};

    @Test
    void klPenaltyEveryTokenAndScoreOnTheLastCompletionToken() {
        double beta = 0.1;
        try (Arena arena = Arena.open()) {
            var out = RewardShaping.trlDefaults().apply(t64(new double[] {2.0, -1.0}, 2), t64(LOGP, 2, 5), t64(REF, 2, 5),
                    t64(MASK, 2, 5), beta);
            double[] kl = {0, 0.5, -1.0, 0, 0, 0, 0.25, -1.0, 1.0, -0.5};
            double[] rewards = new double[10];
            for (int i = 0; i < 10; i++) {
                rewards[i] = -beta * kl[i];
            }
            rewards[3] += 2.0;
            rewards[9] += -1.0;
            assertClose(kl, out.kl().toDoubleArray(), 1e-15, "kl");
            assertClose(rewards, out.rewards().toDoubleArray(), 1e-15, "rewards");
        }
    }

    @Test
    void missingEosPenaltyThenNormalisationThenClip() {
        RewardShaping shaping = new RewardShaping(KlEstimator.K3, Double.POSITIVE_INFINITY, 1.5, true, 0.9);
        double[] raw = {2.0, -1.0};
        try (Arena arena = Arena.open()) {
            var out = shaping.apply(t64(raw, 2), t64(LOGP, 2, 5), t64(REF, 2, 5), t64(MASK, 2, 5), t64(new double[] {0, 1}, 2), 0.2);
            double a = 2.0 - 1.5;                                   // row 0 has no EOS
            double b = -1.0;
            double mean = (a + b) / 2;
            double sd = Math.sqrt(((a - mean) * (a - mean) + (b - mean) * (b - mean)) / 2 + 1e-8);
            double za = Math.max(-0.9, Math.min(0.9, (a - mean) / sd));
            double zb = Math.max(-0.9, Math.min(0.9, (b - mean) / sd));
            assertClose(new double[] {za, zb}, out.scores().toDoubleArray(), 1e-12, "scores");
            double[] expected = new double[10];
            for (int i = 0; i < 10; i++) {
                double r = LOGP[i] - REF[i];
                expected[i] = MASK[i] * -0.2 * (Math.exp(-r) - 1 + r);
            }
            expected[3] += za;
            expected[9] += zb;
            assertClose(expected, out.rewards().toDoubleArray(), 1e-12, "rewards");
        }
    }

    /**
     * On any mask (holes inside a row, a single selected token, a row selecting everything), the score sits on
     * the row's last selected position, found here by a scan from the right.
     */
    @Property(tries = 30)
    void theScoreSitsOnTheLastSelectedTokenOfAnyMask(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t,
                                                     @ForAll long seed) {
        Random random = new Random(seed);
        double[] m = anyMask(b, t, random);
        double[] logp = uniform(b * t, -5, 0, random);
        double[] ref = uniform(b * t, -5, 0, random);
        double[] scores = uniform(b, -2, 2, random);
        double beta = 0.05;
        double[] expected = new double[b * t];
        for (int i = 0; i < b * t; i++) {
            expected[i] = -beta * m[i] * (logp[i] - ref[i]);
        }
        for (int i = 0; i < b; i++) {
            int last = t - 1;
            while (m[i * t + last] == 0) {
                last--;
            }
            expected[i * t + last] += scores[i];
        }
        try (Arena arena = Arena.open()) {
            var out = RewardShaping.trlDefaults().apply(t64(scores, b), t64(logp, b, t), t64(ref, b, t), t64(m, b, t), beta);
            assertClose(expected, out.rewards().toDoubleArray(), 1e-12, "rewards");
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyResult(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t,
                                             @ForAll long seed) {
        Random random = new Random(seed);
        double[] m = anyMask(b, t, random);
        double[] logp = uniform(b * t, -5, 0, random);
        double[] ref = uniform(b * t, -5, 0, random);
        double[] scores = uniform(b, -2, 2, random);
        try (Arena arena = Arena.open()) {
            RewardShaping shaping = new RewardShaping(KlEstimator.K2, 10.0, 0.0, false, 5.0);
            var x = shaping.apply(t64(scores, b), t64(logp, b, t), t64(ref, b, t), t64(m, b, t), 0.05);
            var y = shaping.apply(t64(scores, b), t64(scrambleMasked(logp, m, random), b, t), t64(scrambleMasked(ref, m, random), b, t),
                    t64(m, b, t), 0.05);
            assertArrayEquals(x.rewards().toDoubleArray(), y.rewards().toDoubleArray(), 0.0);
            double[] rewards = x.rewards().toDoubleArray();
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    assertTrue(rewards[i] == 0.0, "masked reward " + rewards[i]);
                }
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheShapes() {
        try (Arena arena = Arena.open()) {
            ShapeException e = assertThrows(ShapeException.class, () -> RewardShaping.trlDefaults().apply(t64(new double[3], 3),
                    t64(LOGP, 2, 5), t64(REF, 2, 5), t64(MASK, 2, 5), 0.1));
            assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2,5]"), e.getMessage());
            double[] emptyRow = MASK.clone();
            java.util.Arrays.fill(emptyRow, 5, 10, 0.0);
            assertThrows(IllegalArgumentException.class, () -> RewardShaping.trlDefaults().apply(t64(new double[2], 2),
                    t64(LOGP, 2, 5), t64(REF, 2, 5), t64(emptyRow, 2, 5), 0.1));
            assertThrows(ShapeException.class, () -> RewardShaping.trlDefaults().apply(t64(new double[2], 2),
                    t64(LOGP, 2, 5), t64(REF, 5, 2), Tensor.ones(DType.FLOAT64, 2, 5), 0.1));
        }
    }
}
