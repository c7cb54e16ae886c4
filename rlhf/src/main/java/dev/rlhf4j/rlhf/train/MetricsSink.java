package dev.rlhf4j.rlhf.train;

import java.util.Map;

/**
 * Where a trainer reports one optimizer step (or one PPO iteration): the step number (1, 2, ...) and the figures
 * under TRL's metric names ({@code loss}, {@code objective/kl}, {@code rewards/margins}, ...), in the order they
 * should be printed. A run folder writes them to {@code metrics.jsonl}; a test collects them.
 */
@FunctionalInterface
public interface MetricsSink {
    /** Discards every report. */
    MetricsSink NONE = (step, metrics) -> { };

    void onStep(long step, Map<String, Double> metrics);

    /** Reports to this sink, then to {@code next}. */
    default MetricsSink andThen(MetricsSink next) {
        return (step, metrics) -> {
            onStep(step, metrics);
            next.onStep(step, metrics);
        };
    }
}
