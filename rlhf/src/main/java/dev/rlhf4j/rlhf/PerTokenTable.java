package dev.rlhf4j.rlhf;

import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
 * Build it with {@link #column} in display order, then {@link #render} a row.
 */
public final class PerTokenTable {
    private final Tensor mask;
    private final Map<String, double[]> columns = new LinkedHashMap<>();

    /** @param mask the (B, T) mask the columns were computed with */
    public PerTokenTable(Tensor mask) {
        if (mask.rank() != 2) {
            throw new ShapeException("PerTokenTable: mask must be (B, T), got " + Masked.str(mask.shape()));
        }
        this.mask = mask;
    }

    /** Adds a (B, T) column; its shape must be the mask's. Returns this table. */
    public PerTokenTable column(String name, Tensor values) {
        if (!Arrays.equals(values.shape(), mask.shape())) {
            throw new ShapeException("PerTokenTable: column '" + name + "' has shape " + Masked.str(values.shape())
                    + ", the mask " + Masked.str(mask.shape()));
        }
        columns.put(name, values.toDoubleArray());
        return this;
    }

    /** The table of sequence {@code row}, values with 4 decimals, one line per position. */
    public String render(int row) {
        int b = (int) mask.size(0);
        int t = (int) mask.size(1);
        if (row < 0 || row >= b) {
            throw new IndexOutOfBoundsException("PerTokenTable: row " + row + " of a batch of " + b);
        }
        double[] m = mask.toDoubleArray();
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%3s %5s", "t", "mask"));
        for (String name : columns.keySet()) {
            out.append(String.format(Locale.ROOT, " %9s", name));
        }
        out.append('\n');
        for (int s = 0; s < t; s++) {
            boolean selected = m[row * t + s] != 0;
            out.append(String.format(Locale.ROOT, "%3d %5d", s, selected ? 1 : 0));
            for (double[] values : columns.values()) {
                out.append(selected ? String.format(Locale.ROOT, " %9.4f", values[row * t + s]) : String.format(Locale.ROOT, " %9s", "."));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
