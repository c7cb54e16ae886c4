package dev.rlhf4j.rlhf.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One line of {@code metrics.jsonl}: a step and its figures under TRL's names, in the order they were reported. */
public record MetricsRow(long step, Map<String, Double> metrics) {
    public MetricsRow {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }
}
