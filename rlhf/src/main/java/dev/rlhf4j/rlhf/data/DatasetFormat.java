package dev.rlhf4j.rlhf.data;

import java.util.List;
import java.util.function.Function;

/**
 * One of TRL's dataset shapes: the string keys every JSON line must hold, in order, and how they become a record.
 * The three shapes are {@link #SFT} (prompt-completion), {@link #PREFERENCE} (prompt, chosen, rejected) and
 * {@link #PROMPT} (prompt only).
 *
 * @param <T> the record of one line
 */
public final class DatasetFormat<T> {
    /** {@code {"prompt", "completion"}}: supervised fine-tuning. */
    public static final DatasetFormat<SftRecord> SFT = new DatasetFormat<>("prompt-completion",
            List.of("prompt", "completion"), v -> new SftRecord(v[0], v[1]), r -> new String[] {r.prompt(), r.completion()});
    /** {@code {"prompt", "chosen", "rejected"}}: reward model and DPO. */
    public static final DatasetFormat<PreferenceRecord> PREFERENCE = new DatasetFormat<>("preference",
            List.of("prompt", "chosen", "rejected"), v -> new PreferenceRecord(v[0], v[1], v[2]),
            r -> new String[] {r.prompt(), r.chosen(), r.rejected()});
    /** {@code {"prompt"}}: PPO, whose policy writes the completions. */
    public static final DatasetFormat<PromptRecord> PROMPT = new DatasetFormat<>("prompt-only",
            List.of("prompt"), v -> new PromptRecord(v[0]), r -> new String[] {r.prompt()});

    private final String name;
    private final List<String> keys;
    private final Function<String[], T> fromValues;
    private final Function<T, String[]> toValues;

    private DatasetFormat(String name, List<String> keys, Function<String[], T> fromValues, Function<T, String[]> toValues) {
        this.name = name;
        this.keys = keys;
        this.fromValues = fromValues;
        this.toValues = toValues;
    }

    /** The shape's name as TRL's documentation calls it, e.g. {@code prompt-completion}. */
    public String name() {
        return name;
    }

    /** The keys each line must hold, in the order they are written. */
    public List<String> keys() {
        return keys;
    }

    T fromValues(String[] values) {
        return fromValues.apply(values);
    }

    String[] toValues(T record) {
        return toValues.apply(record);
    }

    /** Records take text only: a null or empty value would tokenize to nothing. */
    static void requireText(String key, String value) {
        if (value == null) {
            throw new IllegalArgumentException("\"" + key + "\" is null");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("\"" + key + "\" is an empty string");
        }
    }

    @Override
    public String toString() {
        return name + " " + keys;
    }
}
