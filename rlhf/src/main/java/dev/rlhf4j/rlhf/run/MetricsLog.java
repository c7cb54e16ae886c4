package dev.rlhf4j.rlhf.run;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.rlhf.train.MetricsSink;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per step, {@code {"step": 1, "loss": 0.69, "learning_rate": 1e-06, ...}},
 * the metrics in the order the trainer reported them. Each line is flushed as it is written, so that a crashed or
 * running job's file is readable up to its last step. JSON has no NaN or infinity: a non-finite figure is written as
 * the string {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"} (Python's {@code float()} reads each back), and
 * {@link #read} turns them, and a {@code null}, back into doubles. Steps must increase.
 *
 * <p>The rows are also kept in memory ({@link #rows()}) for the plots at the end of a run.
 */
public final class MetricsLog implements MetricsSink, Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;
    private final List<MetricsRow> rows = new ArrayList<>();

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /** A new, empty log at {@code file}; an existing file is never overwritten. */
    public static MetricsLog create(Path file) {
        try {
            return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE));
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException(file + " already exists: a run's metrics are never overwritten (choose another"
                    + " --out folder)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    /**
     * The log of a resumed run: {@code file} cut to its first {@code keepLines} lines (those written up to the
     * checkpoint; the cut is a rewrite through a rename), then opened to append. Fewer lines than that is an error.
     */
    public static MetricsLog resume(Path file, int keepLines) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (lines.size() < keepLines) {
            throw new IllegalStateException(file + " has " + lines.size() + " lines, the checkpoint was taken after line " + keepLines);
        }
        StringBuilder kept = new StringBuilder();
        List<MetricsRow> rows = new ArrayList<>();
        for (int i = 0; i < keepLines; i++) {
            kept.append(lines.get(i)).append('\n');
            rows.add(parse(file, i + 1, lines.get(i)));
        }
        AtomicFiles.writeString(file, kept.toString());
        try {
            MetricsLog log = new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE));
            log.rows.addAll(rows);
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    @Override
    public synchronized void onStep(long step, Map<String, Double> metrics) {
        if (!rows.isEmpty() && step <= rows.get(rows.size() - 1).step()) {
            throw new IllegalArgumentException("metrics step " + step + " after step " + rows.get(rows.size() - 1).step()
                    + ": steps must increase");
        }
        try {
            out.write(line(step, metrics));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append step " + step + " to " + file, e);
        }
        rows.add(new MetricsRow(step, metrics));
    }

    /** Every step written so far, in order. */
    public synchronized List<MetricsRow> rows() {
        return Collections.unmodifiableList(new ArrayList<>(rows));
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }

    /** One line of the log, without its newline. */
    static String line(long step, Map<String, Double> metrics) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = JSON.getFactory().createGenerator(text)) {
            json.writeStartObject();
            json.writeNumberField("step", step);
            for (Map.Entry<String, Double> m : metrics.entrySet()) {
                String name = m.getKey();
                Double v = m.getValue();
                if (name.equals("step")) {
                    throw new IllegalArgumentException("a metric may not be named \"step\" (the line's own key)");
                }
                if (v == null) {
                    throw new IllegalArgumentException("metric \"" + name + "\" of step " + step + " is null");
                }
                json.writeFieldName(name);
                if (Double.isFinite(v)) {
                    json.writeNumber(v);
                } else {
                    json.writeString(Double.toString(v));       // "NaN", "Infinity", "-Infinity"
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** The rows of a {@code metrics.jsonl} file; a malformed line is an error naming the file, line and key. */
    public static List<MetricsRow> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<MetricsRow> rows = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                rows.add(parse(file, i + 1, lines.get(i)));
            }
        }
        return rows;
    }

    private static MetricsRow parse(Path file, int lineNumber, String line) {
        String where = file + ", line " + lineNumber + ": ";
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!node.isObject() || !node.path("step").canConvertToExactIntegral()) {
            throw new IllegalArgumentException(where + "expected an object with an integer \"step\", got " + line);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getKey().equals("step")) {
                metrics.put(f.getKey(), value(where, f.getKey(), f.getValue()));
            }
        }
        return new MetricsRow(node.get("step").asLong(), metrics);
    }

    private static double value(String where, String key, JsonNode v) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isNull()) {
            return Double.NaN;
        }
        if (v.isTextual()) {
            switch (v.textValue()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw new IllegalArgumentException(where + "metric \"" + key + "\" must be a number, \"NaN\", \"Infinity\" or"
                + " \"-Infinity\", got " + v);
    }
}
