package dev.rlhf4j.rlhf.explain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhf4j.rlhf.PerTokenTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One explained update: the per-token table of the batch (every row kept, one shown), the per-sequence quantities
 * of the shown row (scores, sums, group statistics), and the trainer's metrics of the update under its own names.
 *
 * @param algorithm ppo, grpo, rloo or dpo
 * @param settings  the hyper-parameters that shaped the numbers (beta, gamma, clip range, ...)
 * @param table     the per-token table of the whole batch
 * @param shown     the sequences shown, row -> what it is ("sequence 0", "pair 0, chosen", ...)
 * @param sources   where each column is computed, {@code Class#method}, by column name
 * @param sequence  per-sequence (or per-group) quantities, each with its formula in its name
 * @param metrics   the trainer's metrics of the update
 */
public record Explanation(String algorithm, Map<String, Object> settings, PerTokenTable table, Map<Integer, String> shown, Map<String, String> sources,
                          Map<String, Double> sequence, Map<String, Double> metrics) {

    /** The text view: settings, the table of each shown row with its formulas, their quantities, the metrics. */
    public String text() {
        StringBuilder out = new StringBuilder();
        out.append("rlhf4j explain ").append(algorithm).append(": one update of the real trainer, ").append(table.rows())
                .append(" sequences in the batch\n");
        settings.forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %s = %s%n", k, v)));
        shown.forEach((row, label) -> out.append('\n').append(label).append(" (row ").append(row).append(")\n").append(table.render(row)));
        out.append('\n').append(String.join(", ", shown.values())).append(":\n");
        int width = sequence.keySet().stream().mapToInt(String::length).max().orElse(1);
        sequence.forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %-" + width + "s %12.6f%n", k, v)));
        out.append("\nmetrics of the update:\n");
        metrics.forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %-28s %14.6g%n", k, v)));
        return out.toString();
    }

    /** A pasteable Markdown section: the table of the shown row, then the sequence's quantities and the metrics. */
    public String markdown() {
        StringBuilder out = new StringBuilder("### `rlhf4j explain " + algorithm + "`\n");
        shown.forEach((row, label) -> out.append('\n').append(label).append(":\n\n").append(table.markdown(row)));
        out.append('\n');
        out.append("| quantity | value |\n|:--|--:|\n");
        sequence.forEach((k, v) -> out.append(String.format(Locale.ROOT, "| `%s` | %.6f |%n", k.replace("|", "\\|"), v)));
        out.append("\n| metric | value |\n|:--|--:|\n");
        metrics.forEach((k, v) -> out.append(String.format(Locale.ROOT, "| `%s` | %.6g |%n", k, v)));
        out.append("\nwhere each column is computed:\n\n");
        sources.forEach((k, v) -> out.append("- `").append(k).append("`: `").append(v).append("`\n"));
        return out.toString();
    }

    /**
     * The machine-readable record: settings, every row of every column (full precision) with its formula and source,
     * the mask, the tokens, the sequence's quantities and the metrics.
     */
    public Map<String, Object> record() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("algorithm", algorithm);
        r.put("settings", settings);
        r.put("shown", shown);
        r.put("mask", rows(table.mask()));
        if (table.tokens() != null) {
            List<List<String>> tokens = new ArrayList<>();
            for (int b = 0; b < table.rows(); b++) {
                tokens.add(table.tokens().subList(b * table.width(), (b + 1) * table.width()));
            }
            r.put("tokens", tokens);
        }
        List<Map<String, Object>> columns = new ArrayList<>();
        table.columns().forEach((name, c) -> {
            Map<String, Object> col = new LinkedHashMap<>();
            col.put("name", name);
            col.put("formula", c.formula());
            col.put("source", sources.getOrDefault(name, ""));
            col.put("values", rows(c.values()));
            columns.add(col);
        });
        r.put("columns", columns);
        r.put("sequence", sequence);
        r.put("metrics", metrics);
        return r;
    }

    /** Writes {@link #record} as JSON. */
    public void writeJson(Path file) {
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), record());
        } catch (IOException e) {
            throw new UncheckedIOException("explain: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private List<double[]> rows(double[] flat) {
        List<double[]> out = new ArrayList<>();
        for (int b = 0; b < table.rows(); b++) {
            out.add(java.util.Arrays.copyOfRange(flat, b * table.width(), (b + 1) * table.width()));
        }
        return out;
    }
}
