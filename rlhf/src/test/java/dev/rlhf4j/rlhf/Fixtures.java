package dev.rlhf4j.rlhf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads the copied upstream vectors from the test classpath and turns JSON arrays into float64 tensors. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The vector called {@code name} in fixtures/rlhf-vectors/upstream_vectors.json. */
    public static JsonNode upstreamVector(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/rlhf-vectors/upstream_vectors.json")) {
            if (in == null) {
                throw new IllegalStateException("fixtures/rlhf-vectors/upstream_vectors.json is missing from the test resources");
            }
            for (JsonNode v : new ObjectMapper().readTree(in).get("vectors")) {
                if (v.get("name").asText().equals(name)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("no upstream vector named " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole of fixtures/rlhf-vectors/{@code file}. */
    public static JsonNode json(String file) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/rlhf-vectors/" + file)) {
            if (in == null) {
                throw new IllegalStateException("fixtures/rlhf-vectors/" + file + " is missing from the test resources");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double[] doubles(JsonNode array) {
        if (!array.get(0).isArray()) {
            double[] out = new double[array.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = array.get(i).asDouble();
            }
            return out;
        }
        int rows = array.size();
        int cols = array.get(0).size();
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = array.get(i).get(j).asDouble();
            }
        }
        return out;
    }

    /** A JSON vector or matrix as a float64 tensor of its own shape. */
    public static Tensor tensor(JsonNode array) {
        double[] v = doubles(array);
        return array.get(0).isArray()
                ? Tensor.of(v, DType.FLOAT64, array.size(), array.get(0).size())
                : Tensor.of(v, DType.FLOAT64, array.size());
    }

    /** Largest |a_i - b_i|. */
    public static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
