package dev.rlhf4j.rlhf.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** One line of {@code metrics.jsonl}: a step and its figures under TRL's names, in the order they were reported. */
public record MetricsRow(long step, Map<String, Double> metrics) {
    /**
     * The metrics the trainers measure with the wall clock, which therefore differ between two runs of one seed:
     * {@code tokens_per_second} (every trainer) and PPO's time split {@code time/generation}, {@code time/scoring},
     * {@code time/reference}, {@code time/training}. Every {@code time/*} name counts as wall-clock. Everything else
     * a trainer reports is a function of the seed, the data and the models.
     */
    public static final Set<String> WALL_CLOCK = Set.of("tokens_per_second", "time/generation", "time/scoring",
            "time/reference", "time/training");

    public MetricsRow {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** Whether {@code name} is a wall-clock figure (see {@link #WALL_CLOCK}). */
    public static boolean isWallClock(String name) {
        return WALL_CLOCK.contains(name) || name.startsWith("time/");
    }

    /** This row without its wall-clock figures: what must be equal between two runs of one seed. */
    public MetricsRow withoutWallClock() {
        Map<String, Double> kept = new LinkedHashMap<>(metrics);
        kept.keySet().removeIf(MetricsRow::isWallClock);
        return new MetricsRow(step, kept);
    }
}
