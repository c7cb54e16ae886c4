package dev.rlhf4j.rlhf;

import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A debug view that shows the work for one sequence of a batch: one line per position, one column per
 * per-token quantity (log-prob, reference log-prob, KL, reward, value, advantage, ...), masked positions shown
 * as "." so the scored completion stands out:
 * <pre>
 *   t  mask      logp       ref        k1
 *   0     0         .         .         .
 *   1     1   -1.0000   -1.5000    0.5000
 * </pre>
 * Build it with {@link #column} in display order, then {@link #render} a row (or {@link #markdown} it). A column may
 * carry its formula, printed above the table as its legend, and the positions may carry the tokens they score
 * ({@link #tokens}). The table keeps every row of the batch, so a caller can check one column against the others.
 */
public final class PerTokenTable {
    /** One column: its formula ("" for none) and its (B, T) values, row-major. */
    public record Column(String formula, double[] values) {
    }

    private final double[] mask;
    private final int rows;
    private final int width;
    private final Map<String, Column> columns = new LinkedHashMap<>();
    private String[] tokens;

    /** @param mask the (B, T) mask the columns were computed with */
    public PerTokenTable(Tensor mask) {
        this(checkRank(mask).toDoubleArray(), (int) mask.size(0), (int) mask.size(1));
    }

    /** @param mask a (rows, width) 0/1 mask, row-major */
    public PerTokenTable(double[] mask, int rows, int width) {
        if (mask.length != rows * width) {
            throw new ShapeException("PerTokenTable: a mask of " + mask.length + " entries is not (" + rows + ", " + width + ")");
        }
        this.mask = mask.clone();
        this.rows = rows;
        this.width = width;
    }

    private static Tensor checkRank(Tensor mask) {
        if (mask.rank() != 2) {
            throw new ShapeException("PerTokenTable: mask must be (B, T), got " + Masked.str(mask.shape()));
        }
        return mask;
    }

    /** Adds a (B, T) column; its shape must be the mask's. Returns this table. */
    public PerTokenTable column(String name, Tensor values) {
        return column(name, "", values);
    }

    /** Adds a (B, T) column with the formula that computed it. Returns this table. */
    public PerTokenTable column(String name, String formula, Tensor values) {
        if (!Arrays.equals(values.shape(), new long[] {rows, width})) {
            throw new ShapeException("PerTokenTable: column '" + name + "' has shape " + Masked.str(values.shape())
                    + ", the mask " + Masked.str(new long[] {rows, width}));
        }
        return column(name, formula, values.toDoubleArray());
    }

    /** Adds a (B, T) column given row-major. Returns this table. */
    public PerTokenTable column(String name, String formula, double[] values) {
        if (values.length != rows * width) {
            throw new ShapeException("PerTokenTable: column '" + name + "' has " + values.length + " entries, the mask ("
                    + rows + ", " + width + ") " + rows * width);
        }
        columns.put(name, new Column(formula, values.clone()));
        return this;
    }

    /** The token scored at each position (B, T) row-major, shown after the mask. Returns this table. */
    public PerTokenTable tokens(String[] labels) {
        if (labels.length != rows * width) {
            throw new ShapeException("PerTokenTable: " + labels.length + " token labels for a (" + rows + ", " + width + ") mask");
        }
        this.tokens = labels.clone();
        return this;
    }

    public int rows() {
        return rows;
    }

    public int width() {
        return width;
    }

    /** The mask, row-major (a copy). */
    public double[] mask() {
        return mask.clone();
    }

    /** The token labels, row-major, or null when there are none. */
    public List<String> tokens() {
        return tokens == null ? null : List.of(tokens);
    }

    /** The columns in display order. */
    public Map<String, Column> columns() {
        return java.util.Collections.unmodifiableMap(columns);
    }

    /** Column {@code name} of sequence {@code row}: its {@link #width} values. */
    public double[] row(String name, int row) {
        checkRow(row);
        Column c = columns.get(name);
        if (c == null) {
            throw new IllegalArgumentException("PerTokenTable: no column '" + name + "'; there are " + columns.keySet());
        }
        return Arrays.copyOfRange(c.values(), row * width, (row + 1) * width);
    }

    /** The table of sequence {@code row}, values with 4 decimals, one line per position, the formulas above it. */
    public String render(int row) {
        checkRow(row);
        StringBuilder out = new StringBuilder();
        int nameWidth = columns.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, Column> c : columns.entrySet()) {
            if (!c.getValue().formula().isEmpty()) {
                out.append(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %s%n", c.getKey(), c.getValue().formula()));
            }
        }
        if (out.length() > 0) {
            out.append('\n');
        }
        int tokenWidth = tokenWidth(row);
        out.append(String.format(Locale.ROOT, "%3s %5s", "t", "mask"));
        if (tokens != null) {
            out.append(String.format(Locale.ROOT, " %-" + tokenWidth + "s", "token"));
        }
        for (String name : columns.keySet()) {
            out.append(String.format(Locale.ROOT, " %9s", name));
        }
        out.append('\n');
        for (int s = 0; s < width; s++) {
            boolean selected = mask[row * width + s] != 0;
            out.append(String.format(Locale.ROOT, "%3d %5d", s, selected ? 1 : 0));
            if (tokens != null) {
                out.append(String.format(Locale.ROOT, " %-" + tokenWidth + "s", tokens[row * width + s]));
            }
            for (Column c : columns.values()) {
                out.append(selected ? String.format(Locale.ROOT, " %9.4f", c.values()[row * width + s]) : String.format(Locale.ROOT, " %9s", "."));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The selected positions of sequence {@code row} as a Markdown table, each header cell with its formula. */
    public String markdown(int row) {
        checkRow(row);
        StringBuilder out = new StringBuilder("| t |");
        StringBuilder rule = new StringBuilder("|--:|");
        if (tokens != null) {
            out.append(" token |");
            rule.append(":--|");
        }
        for (Map.Entry<String, Column> c : columns.entrySet()) {
            String formula = c.getValue().formula();
            out.append(' ').append(c.getKey()).append(formula.isEmpty() ? "" : "<br>`" + formula.replace("|", "\\|") + "`").append(" |");
            rule.append("--:|");
        }
        out.append('\n').append(rule).append('\n');
        for (int s = 0; s < width; s++) {
            if (mask[row * width + s] == 0) {
                continue;
            }
            out.append("| ").append(s).append(" |");
            if (tokens != null) {
                out.append(" `").append(tokens[row * width + s].replace("|", "\\|")).append("` |");
            }
            for (Column c : columns.values()) {
                out.append(String.format(Locale.ROOT, " %.4f |", c.values()[row * width + s]));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private int tokenWidth(int row) {
        int w = "token".length();
        for (int s = 0; tokens != null && s < width; s++) {
            w = Math.max(w, tokens[row * width + s].length());
        }
        return w;
    }

    private void checkRow(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("PerTokenTable: row " + row + " of a batch of " + rows);
        }
    }
}
