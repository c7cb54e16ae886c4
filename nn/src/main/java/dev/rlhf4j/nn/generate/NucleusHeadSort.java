package dev.rlhf4j.nn.generate;

import java.util.Arrays;

/**
 * The head of top-p's order, sorted: the most likely kept tokens, most likely first, as many as top-p's walk can
 * reach. It stands in for sorting every kept token (50,257 for GPT-2), of which a trained model's nucleus is a
 * few hundred.
 *
 * <p>Every token below a probability floor comes after every token above it in the full order, so when the
 * tokens above the floor reach probability p, {@link Sampler#topP}'s walk ends among them and nothing below needs
 * sorting. The floor is lowered until they do; at the last floor, zero, every kept token is sorted. Within the
 * head the order is the full sort's (descending value, ties in index order), so the walk sums the same tokens in
 * the same order and keeps the same set, to the bit.
 */
final class NucleusHeadSort {
    /** Probability floors tried in turn; the last sorts every kept token. */
    private static final double[] FLOORS = {1e-4, 1e-8, 0};
    /** Digit width of {@link #sortDescending}: six passes over 64-bit keys with 2,048 buckets each. */
    private static final int RADIX_BITS = 11;
    private static final int RADIX_MASK = (1 << RADIX_BITS) - 1;

    private NucleusHeadSort() {
    }

    /**
     * The kept tokens with probability {@code exp(z - lse)} at or above the first floor at which, summed in
     * order, they reach {@code p} (every kept token if none does), most likely first, ties in index order.
     */
    static int[] head(double[] z, boolean[] kept, double lse, double p) {
        int[] head = new int[0];
        for (double floor : FLOORS) {
            double threshold = floor > 0 ? lse + Math.log(floor) : Double.NEGATIVE_INFINITY;
            int[] above = new int[z.length];
            int n = 0;
            for (int i = 0; i < z.length; i++) {
                if (kept[i] && z[i] >= threshold) {
                    above[n++] = i;
                }
            }
            head = sortDescending(z, Arrays.copyOf(above, n));
            if (reaches(z, head, lse, p)) {
                break;
            }
        }
        return head;
    }

    private static boolean reaches(double[] z, int[] order, double lse, double p) {
        double sum = 0;
        for (int i : order) {
            sum += Math.exp(z[i] - lse);
            if (sum >= p) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code idx} ordered by {@code z} from largest to smallest, equal values in index order ({@link Double#compare}
     * order, reversed): a stable LSD radix sort, 11 bits a pass, on the values' bits turned into unsigned keys that
     * sort the same way. A comparison sort of boxed indices takes milliseconds per token at GPT-2's vocabulary.
     */
    static int[] sortDescending(double[] z, int[] idx) {
        int n = idx.length;
        if (n < 2) {
            return idx;
        }
        long[] key = new long[n];
        long[] keyOut = new long[n];
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            long bits = Double.doubleToRawLongBits(z[idx[i]]);
            key[i] = ~(bits ^ ((bits >> 63) | Long.MIN_VALUE));       // ascending unsigned key = descending value
        }
        int[] count = new int[1 << RADIX_BITS];
        for (int shift = 0; shift < 64; shift += RADIX_BITS) {
            Arrays.fill(count, 0);
            for (int i = 0; i < n; i++) {
                count[(int) (key[i] >>> shift) & RADIX_MASK]++;
            }
            if (count[(int) (key[0] >>> shift) & RADIX_MASK] == n) {
                continue;                                                     // every key has this digit: nothing moves
            }
            for (int d = 0, start = 0; d < count.length; d++) {
                int c = count[d];
                count[d] = start;
                start += c;
            }
            for (int i = 0; i < n; i++) {
                int pos = count[(int) (key[i] >>> shift) & RADIX_MASK]++;
                keyOut[pos] = key[i];
                out[pos] = idx[i];
            }
            long[] tk = key;
            key = keyOut;
            keyOut = tk;
            int[] ti = idx;
            idx = out;
            out = ti;
        }
        return idx;
    }
}
