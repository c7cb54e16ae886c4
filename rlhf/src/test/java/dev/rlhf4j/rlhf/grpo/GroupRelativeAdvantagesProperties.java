package dev.rlhf4j.rlhf.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages.ScaleRewards;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** What the group baseline promises: advantages sum to zero per group and ignore a constant added to a group's rewards. */
class GroupRelativeAdvantagesProperties {
    private static double[] rewards(int groups, int size, long seed) {
        Random r = new Random(seed);
        double[] x = new double[groups * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian() * 3;
        }
        return x;
    }

    @Property(tries = 200)
    void eachGroupsAdvantagesSumToZero(@ForAll @IntRange(min = 1, max = 5) int groups, @ForAll @IntRange(min = 2, max = 8) int size,
                                       @ForAll ScaleRewards scale, @ForAll long seed) {
        double[] a = new GroupRelativeAdvantages(size, scale).of(rewards(groups, size, seed));
        for (int g = 0; g < groups; g++) {
            double sum = 0;
            double abs = 0;
            for (int i = g * size; i < (g + 1) * size; i++) {
                sum += a[i];
                abs += Math.abs(a[i]);
            }
            assertEquals(0.0, sum, 1e-12 * Math.max(1, abs), "group " + g);
        }
    }

    @Property(tries = 200)
    void aConstantAddedToAGroupChangesNothing(@ForAll @IntRange(min = 1, max = 5) int groups, @ForAll @IntRange(min = 2, max = 8) int size,
                                              @ForAll @IntRange(min = 0, max = 4) int shifted,
                                              @ForAll @DoubleRange(min = -50, max = 50) double constant,
                                              @ForAll long seed) {
        // batch scaling divides by the std of the whole batch, which a constant on one group changes: not an identity
        for (ScaleRewards scale : new ScaleRewards[] {ScaleRewards.GROUP, ScaleRewards.NONE}) {
            GroupRelativeAdvantages adv = new GroupRelativeAdvantages(size, scale);
            double[] r = rewards(groups, size, seed);
            double[] before = adv.of(r);
            int g = shifted % groups;
            for (int i = g * size; i < (g + 1) * size; i++) {
                r[i] += constant;
            }
            double[] after = adv.of(r);
            for (int i = 0; i < r.length; i++) {
                assertEquals(before[i], after[i], 1e-9 * (1 + Math.abs(before[i])), scale + " row " + i);
            }
        }
    }
}
