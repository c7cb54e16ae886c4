package dev.rlhf4j.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Recorded references, copied from the project's shared fixtures into test resources (see fixtures/README.md). */
public final class Fixtures {
    private Fixtures() {
    }

    /** A directory or file under src/test/resources/fixtures. */
    public static Path path(String relative) {
        URL url = Fixtures.class.getResource("/fixtures/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource fixtures/" + relative + " is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String relative) {
        try {
            return new ObjectMapper().readTree(path(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode jsonOf(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All numbers of a nested JSON array, flattened in row-major order. */
    public static double[] doubles(JsonNode node) {
        List<Double> out = new ArrayList<>();
        flatten(node, out);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Token ids: all numbers of a nested JSON array as ints, flattened in row-major order. */
    public static int[] ints(JsonNode node) {
        return java.util.Arrays.stream(doubles(node)).mapToInt(d -> (int) d).toArray();
    }

    private static void flatten(JsonNode node, List<Double> out) {
        if (node.isArray()) {
            node.forEach(n -> flatten(n, out));
        } else {
            out.add(node.asDouble());
        }
    }

    /** max |a - e| / max(|e|, floor) over all elements: relative error with an absolute floor near zero. */
    public static double maxRelativeError(double[] actual, double[] expected, double floor) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
            }
        }
        return worst;
    }
}
