package dev.rlhf4j.rlhf.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Figures summed by name over a step's micro-batches and optimizer steps, to be reported as means: {@code
 * add("entropy", h)} per micro-batch, then {@code mean("entropy")}. A figure that is one optimizer step's total (its
 * micro-batches' shares of the loss) is gathered with {@link #addToStep} and added once per step by {@link #endStep}.
 * The sums are kept in the order they were added, so a report reads the same numbers, rounded the same way, as the
 * loop computed them.
 */
final class MetricSums {
    private final Map<String, double[]> sums = new LinkedHashMap<>();      // name -> {sum, count}
    private final Map<String, Double> step = new LinkedHashMap<>();

    /** Adds {@code value} to the sum of {@code name}. */
    void add(String name, double value) {
        double[] s = sums.computeIfAbsent(name, k -> new double[2]);
        s[0] += value;
        s[1]++;
    }

    /** Adds {@code value} to this optimizer step's total of {@code name}. */
    void addToStep(String name, double value) {
        step.merge(name, value, Double::sum);
    }

    /** Adds each total of the optimizer step that ends to its sum, and starts the next step's totals at zero. */
    void endStep() {
        step.forEach(this::add);
        step.clear();
    }

    /** The sum of {@code name}. */
    double total(String name) {
        return entry(name)[0];
    }

    /** The sum of {@code name} over the number of values added. */
    double mean(String name) {
        double[] s = entry(name);
        return s[0] / s[1];
    }

    private double[] entry(String name) {
        double[] s = sums.get(name);
        if (s == null) {
            throw new IllegalArgumentException("MetricSums: nothing was added under " + name);
        }
        return s;
    }
}
