package dev.rlhf4j.rlhf.train;

import java.util.Map;

/**
 * Changes a few hyper-parameters of a config and keeps the rest, as Python's {@code dataclasses.replace}:
 * <pre>
 *   SftConfig.trlDefaults().toBuilder().learningRate(1e-4).seed(7).build()
 * </pre>
 * Each config's {@code Builder} has one typed setter per hyper-parameter and nothing else (those of {@link Optimization},
 * which every config has, are here); the copy and the rebuild go through {@link RecordTree}, so {@link #build} runs
 * every record's checks.
 *
 * @param <R> the config record
 * @param <B> the config's builder, returned by the setters
 */
public abstract class ConfigBuilder<R extends Record, B extends ConfigBuilder<R, B>> {
    private final Class<R> type;
    private final Map<String, Object> values;

    @SuppressWarnings("unchecked")
    protected ConfigBuilder(R from) {
        this.type = (Class<R>) from.getClass();
        this.values = RecordTree.values(from);
    }

    /** Sets the hyper-parameter {@code name} (the record component's name). */
    @SuppressWarnings("unchecked")
    protected final B set(String name, Object value) {
        if (!values.containsKey(name)) {
            throw new IllegalStateException(type.getSimpleName() + " has no hyper-parameter " + name);
        }
        values.put(name, value);
        return (B) this;
    }

    public final B learningRate(double v) { return set("learningRate", v); }
    public final B weightDecay(double v) { return set("weightDecay", v); }
    public final B maxGradNorm(Double v) { return set("maxGradNorm", v); }
    public final B maxConsecutiveNonfinite(int v) { return set("maxConsecutiveNonfinite", v); }

    /** The config with the values set; its records' checks run here. */
    public final R build() {
        return RecordTree.build(type, values);
    }
}
