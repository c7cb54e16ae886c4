package dev.rlhf4j.rlhf.cli.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * One result of a {@code ./rlhf4j bench} command, printed as the JSON line every benchmark writes:
 *
 * <pre>{"bench": "train.mfu", "value": 98.21, "unit": "GFLOP/s", "baseline": 146.6, "ratio": 0.6699}</pre>
 *
 * <p>The baseline is measured in the same run and {@code ratio} is normally {@code value / baseline}. Numbers
 * keep four significant digits; a figure that does not apply (no baseline) or is not finite prints as
 * {@code null}.
 */
record BenchLine(String bench, double value, String unit, double baseline, double ratio) {

    private static final MathContext DIGITS = new MathContext(4);

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)          // 1623, not 1.623E+3
            .build();

    /** One line, with a space after each colon and comma, as scripts and the README have always read it. */
    private static final ObjectWriter WRITER = JSON.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEntrySpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(null));

    /** {@code value} against a {@code baseline} in the same unit (or a target), ratio {@code value / baseline}. */
    static BenchLine against(String bench, double value, String unit, double baseline) {
        return new BenchLine(bench, value, unit, baseline, value / baseline);
    }

    /** A figure with nothing to divide it by. */
    static BenchLine alone(String bench, double value, String unit) {
        return new BenchLine(bench, value, unit, Double.NaN, Double.NaN);
    }

    String toJson() {
        ObjectNode line = JSON.createObjectNode();
        line.put("bench", bench);
        line.put("value", rounded(value));
        line.put("unit", unit);
        line.put("baseline", rounded(baseline));
        line.put("ratio", rounded(ratio));
        try {
            return WRITER.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("bench line " + bench + " could not be written as JSON", e);
        }
    }

    /** Prints the line and flushes, so that a long benchmark shows each result as it comes. */
    void print(PrintStream out) {
        out.println(toJson());
        out.flush();
    }

    /** Four significant digits; null (JSON's null) for NaN and infinities. */
    private static BigDecimal rounded(double v) {
        return Double.isFinite(v) ? new BigDecimal(v).round(DIGITS) : null;
    }
}
