package dev.rlhf4j.rlhf.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads fixtures/trainer-vectors/ from the test classpath, and the log-softmax the tests compute on the host. */
final class TrainerVectors {
    private TrainerVectors() {
    }

    static JsonNode json() {
        try (InputStream in = TrainerVectors.class.getResourceAsStream("/fixtures/trainer-vectors/trainer_vectors.json")) {
            if (in == null) {
                throw new IllegalStateException("fixtures/trainer-vectors/trainer_vectors.json is missing from the test resources");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path file(String name) {
        URL url = TrainerVectors.class.getResource("/fixtures/trainer-vectors/" + name);
        if (url == null) {
            throw new IllegalStateException("fixtures/trainer-vectors/" + name + " is missing from the test resources");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** The DPO section's pairs, shared by the reward-model section. */
    static List<PreferenceExample> dpoPairs(JsonNode root) {
        List<PreferenceExample> pairs = new ArrayList<>();
        for (JsonNode p : root.get("dpo").get("pairs")) {
            pairs.add(new PreferenceExample(ints(p.get("prompt")), ints(p.get("chosen")), ints(p.get("rejected"))));
        }
        return pairs;
    }

    /** log_softmax of one row of logits, in float64 with the max subtracted. */
    static double[] logSoftmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (double x : logits) {
            sum += Math.exp(x - max);
        }
        double logZ = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - logZ;
        }
        return out;
    }

    /** |a - e| / |e| (|a - e| when e is 0). */
    static double relative(double actual, double expected) {
        double d = Math.abs(actual - expected);
        return expected == 0 ? d : d / Math.abs(expected);
    }
}
