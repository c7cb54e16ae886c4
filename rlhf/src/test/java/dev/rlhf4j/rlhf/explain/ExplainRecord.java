package dev.rlhf4j.rlhf.explain;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/** An explanation read back from its {@code --json} file: the columns by name, as the reader of the file sees them. */
record ExplainRecord(JsonNode root) {
    static ExplainRecord read(Path file) throws IOException {
        return new ExplainRecord(new ObjectMapper().readTree(file.toFile()));
    }

    int rows() {
        return root.get("mask").size();
    }

    int width() {
        return root.get("mask").get(0).size();
    }

    boolean selected(int b, int t) {
        return root.get("mask").get(b).get(t).asDouble() != 0;
    }

    double[][] column(String name) {
        for (JsonNode c : root.get("columns")) {
            if (c.get("name").asText().equals(name)) {
                return matrix(c.get("values"));
            }
        }
        throw new AssertionError("no column " + name + " in " + root.get("columns").findValuesAsText("name"));
    }

    String formula(String name) {
        for (JsonNode c : root.get("columns")) {
            if (c.get("name").asText().equals(name)) {
                return c.get("formula").asText();
            }
        }
        throw new AssertionError("no column " + name);
    }

    double setting(String name) {
        return root.get("settings").get(name).asDouble();
    }

    double sequence(String name) {
        JsonNode v = root.get("sequence").get(name);
        assertTrue(v != null, "no sequence value '" + name + "'");
        return v.asDouble();
    }

    double metric(String name) {
        JsonNode v = root.get("metrics").get(name);
        assertTrue(v != null, "no metric '" + name + "'");
        return v.asDouble();
    }

    /** The last selected position of row b. */
    int last(int b) {
        int last = -1;
        for (int t = 0; t < width(); t++) {
            last = selected(b, t) ? t : last;
        }
        return last;
    }

    private static double[][] matrix(JsonNode rows) {
        double[][] out = new double[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            out[b] = new double[rows.get(b).size()];
            for (int t = 0; t < out[b].length; t++) {
                out[b][t] = rows.get(b).get(t).asDouble();
            }
        }
        return out;
    }
}
