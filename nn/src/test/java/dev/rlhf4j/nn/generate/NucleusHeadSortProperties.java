package dev.rlhf4j.nn.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * {@link NucleusHeadSort} against the full stable sort it stands in for: its radix sort is that sort, and its head
 * is a prefix of that sort's order which reaches p (or is the whole order).
 */
class NucleusHeadSortProperties {

    @Property(tries = 200)
    void sortDescendingIsTheStableSortByValue(@ForAll @IntRange(min = 0, max = 5000) int n,
                                              @ForAll @IntRange(min = 0, max = 6) int tieLevels,
                                              @ForAll @LongRange(min = 0, max = 1 << 20) long seed) {
        Random r = new Random(seed);
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = switch (tieLevels) {
                case 0 -> r.nextGaussian() * Math.pow(10, r.nextInt(600) - 300);     // magnitudes across the whole range
                case 1 -> r.nextBoolean() ? 0.0 : -0.0;
                default -> r.nextInt(tieLevels) - tieLevels / 2.0;
            };
        }
        int[] subset = r.ints(0, n == 0 ? 1 : n).limit(n / 2).distinct().sorted().toArray();
        assertEquals(Arrays.toString(stableDescending(z, subset)), Arrays.toString(NucleusHeadSort.sortDescending(z, subset.clone())));
    }

    @Property(tries = 200)
    void theHeadIsAPrefixOfTheFullOrderThatReachesP(@ForAll @IntRange(min = 1, max = 3000) int vocab,
                                                    @ForAll @DoubleRange(min = 0.05, max = 30) double spread,
                                                    @ForAll @DoubleRange(min = 0.01, max = 1.0) double p,
                                                    @ForAll @LongRange(min = 0, max = 1 << 20) long seed) {
        Random r = new Random(seed);
        double[] z = new double[vocab];
        boolean[] kept = new boolean[vocab];
        for (int i = 0; i < vocab; i++) {
            z[i] = spread * r.nextGaussian();
            kept[i] = r.nextInt(4) > 0;
        }
        kept[r.nextInt(vocab)] = true;
        int[] all = java.util.stream.IntStream.range(0, vocab).filter(i -> kept[i]).toArray();
        double lse = Sampler.logSumExp(z, kept);
        int[] head = NucleusHeadSort.head(z, kept, lse, p);
        int[] full = stableDescending(z, all);
        assertArrayEquals(Arrays.copyOf(full, head.length), head);
        double sum = 0;
        for (int i : head) {
            sum += Math.exp(z[i] - lse);
        }
        assertTrue(sum >= p || head.length == full.length, "head of " + head.length + " sums to " + sum + " < " + p);
    }

    /** The indices ordered by value, largest first, equal values in index order: a comparison sort of boxed indices. */
    private static int[] stableDescending(double[] z, int[] indices) {
        Integer[] boxed = Arrays.stream(indices).boxed().toArray(Integer[]::new);
        Arrays.sort(boxed, (a, b) -> Double.compare(z[b], z[a]));
        return Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
    }
}
