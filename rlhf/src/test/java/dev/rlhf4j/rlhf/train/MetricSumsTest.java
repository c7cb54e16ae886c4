package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Figures summed by name: means over what was added, and per-step totals added once per step, in the loop's order. */
class MetricSumsTest {
    @Test
    void aMeanIsTheSumOverTheNumberOfValuesAdded() {
        MetricSums sums = new MetricSums();
        sums.add("entropy", 1.0);
        sums.add("entropy", 2.5);
        sums.add("clip", 0.25);
        assertEquals(1.75, sums.mean("entropy"));
        assertEquals(3.5, sums.total("entropy"));
        assertEquals(0.25, sums.mean("clip"));
        assertThrows(IllegalArgumentException.class, () -> sums.mean("kl"));
    }

    @Test
    void aPerStepTotalIsSummedWithinTheStepThenAddedOnce() {
        double[] micro = {0.1, 0.2, 0.3, 1e16};
        MetricSums sums = new MetricSums();
        sums.addToStep("loss", micro[0]);
        sums.addToStep("loss", micro[1]);
        sums.endStep();
        sums.addToStep("loss", micro[2]);
        sums.addToStep("loss", micro[3]);
        sums.endStep();
        double first = 0.0 + micro[0] + micro[1];
        double second = 0.0 + micro[2] + micro[3];
        assertEquals(0.0 + first + second, sums.total("loss"), 0.0);
        assertEquals((0.0 + first + second) / 2, sums.mean("loss"), 0.0, "two values: one per step");
    }
}
