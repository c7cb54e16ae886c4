package dev.rlhf4j.nn.generate;

import dev.rlhf4j.core.TensorRandom;
import java.util.Arrays;

/**
 * Picks the next token from one row of logits, in double precision, and reports the log-probability of the
 * pick under the distribution it was actually drawn from. Processing follows Hugging Face's order:
 * <pre>
 *   greedy        argmax_i z_i, log p = z - logsumexp(z)
 *   temperature   z = logits / T
 *   top-k         keep the k largest z (ties with the k-th value stay)
 *   top-p         keep the smallest set of most likely tokens whose probability reaches p (at least one)
 *   draw          i ~ softmax(z) over the kept tokens
 * </pre>
 */
final class Sampler {
    /** A chosen token and its log-probability. */
    record Pick(int token, double logprob) {
    }

    private final GenerationConfig config;
    private final TensorRandom random;

    Sampler(GenerationConfig config) {
        this(config, config.seed());
    }

    Sampler(GenerationConfig config, long seed) {
        this.config = config;
        this.random = new TensorRandom(seed);
    }

    Pick pick(double[] logits) {
        if (!config.doSample()) {
            return greedy(logits);
        }
        double[] z = temperature(logits, config.temperature());
        boolean[] kept = new boolean[z.length];
        Arrays.fill(kept, true);
        if (config.topK() > 0 && config.topK() < z.length) {
            topK(z, kept, config.topK());
        }
        if (config.topP() < 1.0) {
            topP(z, kept, config.topP());
        }
        return draw(z, kept, random.nextDouble());
    }

    /** The most likely token (the first of equals), with its log-probability under the model's softmax. */
    static Pick greedy(double[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return new Pick(best, logits[best] - logSumExp(logits, null));
    }

    /** {@code logits / t}: t below 1 sharpens the distribution, above 1 flattens it. */
    static double[] temperature(double[] logits, double t) {
        double[] z = new double[logits.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = logits[i] / t;
        }
        return z;
    }

    /** Top-k (Fan et al. 2018): keeps the tokens whose value is at least the k-th largest. */
    static void topK(double[] z, boolean[] kept, int k) {
        double kth = kthLargest(z.clone(), k);
        for (int i = 0; i < z.length; i++) {
            kept[i] = z[i] >= kth;
        }
    }

    /**
     * Top-p, nucleus sampling (Holtzman et al. 2020): walks the kept tokens from most to least likely (ties in
     * index order) and keeps each one whose predecessors' probabilities sum to less than {@code p}; the rest are
     * dropped. The walk needs only the head of that order: {@link NucleusHeadSort} sorts just enough of it.
     */
    static void topP(double[] z, boolean[] kept, double p) {
        double lse = logSumExp(z, kept);
        int[] order = NucleusHeadSort.head(z, kept, lse, p);              // most likely first
        boolean[] nucleus = new boolean[z.length];
        double before = 0;                                                // probability of the tokens before
        for (int i : order) {
            if (before >= p) {
                break;
            }
            nucleus[i] = true;
            before += Math.exp(z[i] - lse);
        }
        System.arraycopy(nucleus, 0, kept, 0, z.length);
    }

    /**
     * Draws from softmax(z) over the kept tokens by inverting the cumulative distribution at {@code u} in [0, 1),
     * walking tokens in index order.
     */
    static Pick draw(double[] z, boolean[] kept, double u) {
        double lse = logSumExp(z, kept);
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < z.length; i++) {
            if (!kept[i]) {
                continue;
            }
            last = i;
            cumulative += Math.exp(z[i] - lse);
            if (u < cumulative) {
                return new Pick(i, z[i] - lse);
            }
        }
        return new Pick(last, z[last] - lse);                              // u beyond the rounded total
    }

    /** The k-th largest value (k >= 1), by quickselect; reorders {@code v}. */
    static double kthLargest(double[] v, int k) {
        int target = v.length - k;                                           // its index in ascending order
        int lo = 0;
        int hi = v.length - 1;
        while (lo < hi) {
            double pivot = v[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (v[i] < pivot) {
                    i++;
                }
                while (v[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    double t = v[i];
                    v[i++] = v[j];
                    v[j--] = t;
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return v[target];
            }
        }
        return v[target];
    }

    /** log sum_i exp(z_i) over the kept entries (all when {@code kept} is null), shifted by the maximum. */
    static double logSumExp(double[] z, boolean[] kept) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < z.length; i++) {
            if (kept == null || kept[i]) {
                max = Math.max(max, z[i]);
            }
        }
        double s = 0;
        for (int i = 0; i < z.length; i++) {
            if (kept == null || kept[i]) {
                s += Math.exp(z[i] - max);
            }
        }
        return max + Math.log(s);
    }
}
