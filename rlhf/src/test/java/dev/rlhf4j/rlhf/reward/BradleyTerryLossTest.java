package dev.rlhf4j.rlhf.reward;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static dev.rlhf4j.rlhf.Batches.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

/** The Bradley-Terry reward-model loss against log(1 + e^-x) computed on the host, and its gradient. */
class BradleyTerryLossTest {
    private static double softplusNeg(double x) {
        return x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    }

    @Property(tries = 40)
    void lossAccuracyAndCenteringMatchTheHost(@ForAll @DoubleRange(min = 0, max = 0.1) double centering, @ForAll long seed) {
        Random random = new Random(seed);
        int b = 5;
        double[] c = uniform(b, -30, 30, random);
        double[] r = uniform(b, -30, 30, random);
        double[] margin = uniform(b, 0, 2, random);
        try (Arena arena = Arena.open()) {
            var out = new BradleyTerryLoss(centering).compute(t64(c, b), t64(r, b), t64(margin, b));
            double[] losses = new double[b];
            double mean = 0;
            double center = 0;
            int correct = 0;
            for (int i = 0; i < b; i++) {
                losses[i] = softplusNeg(c[i] - r[i] - margin[i]);
                mean += losses[i] / b;
                center += (c[i] + r[i]) * (c[i] + r[i]) / b;
                correct += c[i] > r[i] ? 1 : 0;
            }
            assertClose(losses, out.losses().toDoubleArray(), 1e-12, "per-pair");
            assertEquals(mean + centering * center, out.loss().item(), 1e-12 * Math.max(1, mean + centering * center));
            assertEquals(correct / (double) b, out.accuracy(), 1e-15);
        }
    }

    @Test
    void equalRewardsCostLn2() {
        try (Arena arena = Arena.open()) {
            Tensor r = t64(new double[] {1.5, -4.0, 0.0}, 3);
            var out = BradleyTerryLoss.trlDefaults().compute(r, r.copy());
            assertEquals(Math.log(2), out.loss().item(), 1e-15);
            assertEquals(0.0, out.accuracy());
        }
    }

    @Property(tries = 3)
    void gradientMatchesFiniteDifferences(@ForAll long seed) {
        Random random = new Random(seed);
        Tensor c = variable(uniform(4, -3, 3, random), 4);
        Tensor r = variable(uniform(4, -3, 3, random), 4);
        Tensor margin = t64(uniform(4, 0, 1, random), 4);
        assertGradientMatches(x -> new BradleyTerryLoss(0.01).compute(x[0], x[1], margin).loss(), c, r);
    }

    @Test
    void shapeMismatchIsRejected() {
        try (Arena arena = Arena.open()) {
            assertThrows(ShapeException.class, () -> BradleyTerryLoss.trlDefaults().compute(Tensor.zeros(DType.FLOAT64, 3),
                    Tensor.zeros(DType.FLOAT64, 4)));
        }
    }
}
