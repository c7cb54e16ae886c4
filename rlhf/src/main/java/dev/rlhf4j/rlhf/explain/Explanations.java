package dev.rlhf4j.rlhf.explain;

import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers the explainers share. */
final class Explanations {
    private Explanations() {
    }

    /** Mean of {@code x} over the entries where {@code mask} is not 0. */
    static double maskedMean(double[] x, double[] mask) {
        double s = 0;
        double n = 0;
        for (int k = 0; k < x.length; k++) {
            if (mask[k] != 0) {
                s += x[k];
                n++;
            }
        }
        return s / n;
    }

    /** A map of name, value, name, value, ... in that order. */
    static Map<String, String> ordered(String... pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
