package dev.rlhf4j.nn.generate;

import dev.rlhf4j.core.TensorRandom;
import java.util.Arrays;

/**
 * Picks the next token from one row of logits, in double precision, and reports the log-probability of the
 * pick under the distribution it was actually drawn from. Processing follows Hugging Face's order:
 * temperature, then top-k (keep the k largest; ties with the k-th value stay), then top-p (keep the smallest
 * set of most likely tokens whose probability reaches p, at least one).
 */
final class Sampler {
    /** A chosen token and its log-probability. */
    record Pick(long token, double logprob) {
    }

    private final GenerationConfig config;
    private final TensorRandom random;

    Sampler(GenerationConfig config) {
        this.config = config;
        this.random = new TensorRandom(config.seed());
    }

    Pick pick(double[] logits) {
        if (!config.doSample()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return new Pick(best, logits[best] - logSumExp(logits, null));
        }
        double[] z = new double[logits.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = logits[i] / config.temperature();
        }
        boolean[] kept = new boolean[z.length];
        Arrays.fill(kept, true);
        if (config.topK() > 0 && config.topK() < z.length) {
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[sorted.length - config.topK()];
            for (int i = 0; i < z.length; i++) {
                kept[i] = z[i] >= kth;
            }
        }
        if (config.topP() < 1.0) {
            double lse = logSumExp(z, kept);
            Integer[] order = new Integer[z.length];
            int n = 0;
            for (int i = 0; i < z.length; i++) {
                if (kept[i]) {
                    order[n++] = i;
                }
            }
            Integer[] live = Arrays.copyOf(order, n);
            Arrays.sort(live, (a, b) -> Double.compare(z[b], z[a]));
            double cumulative = 0;
            for (Integer i : live) {
                if (cumulative >= config.topP()) {
                    kept[i] = false;
                }
                cumulative += Math.exp(z[i] - lse);
            }
        }
        double lse = logSumExp(z, kept);
        double u = random.nextDouble();
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

    private static double logSumExp(double[] z, boolean[] kept) {
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
