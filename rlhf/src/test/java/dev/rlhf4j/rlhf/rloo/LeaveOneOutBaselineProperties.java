package dev.rlhf4j.rlhf.rloo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** The leave-one-out baseline: a constant group has zero advantage; otherwise each group's advantages sum to zero. */
class LeaveOneOutBaselineProperties {
    @Property(tries = 200)
    void aConstantGroupGivesZeroAdvantages(@ForAll @IntRange(min = 2, max = 8) int size, @ForAll @IntRange(min = 1, max = 4) int groups,
                                           @ForAll @DoubleRange(min = -1e3, max = 1e3) double constant, @ForAll long seed) {
        Random r = new Random(seed);
        double[] rewards = new double[size * groups];
        for (int i = 0; i < rewards.length; i++) {
            rewards[i] = r.nextGaussian();
        }
        java.util.Arrays.fill(rewards, 0, size, constant);
        double[] a = new LeaveOneOutBaseline(size).advantages(rewards);
        double sum = 0;
        for (int i = 0; i < size; i++) {
            assertEquals(0.0, a[i], 1e-12 * Math.max(1, Math.abs(constant)), "row " + i);
        }
        for (int i = size; i < 2 * size && i < a.length; i++) {
            sum += a[i];
        }
        assertEquals(0.0, sum, 1e-9, "the next group's advantages sum to zero");
    }
}
