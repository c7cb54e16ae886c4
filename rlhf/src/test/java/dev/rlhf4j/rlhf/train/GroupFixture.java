package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.rlhf.data.CompletionExample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code grpo} rollouts of the trainer vectors (2 prompts x 4 completions through gpt2-tiny-random, with TRL's
 * old and reference log-probs and given rewards), shared by the GRPO and RLOO fixture tests, and their comparisons.
 */
final class GroupFixture {
    static final double RELATIVE = 1e-9;

    private GroupFixture() {
    }

    /** Each rollout's prompt and completion. */
    static List<CompletionExample> examples(JsonNode grpo) {
        List<CompletionExample> out = new ArrayList<>();
        for (JsonNode r : grpo.get("rollouts")) {
            out.add(new CompletionExample(TrainerVectors.ints(r.get("prompt")), TrainerVectors.ints(r.get("completion"))));
        }
        return out;
    }

    static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    /** The rollouts with the given per-sequence advantages. */
    static List<GroupRollout> rollouts(JsonNode grpo, double[] advantages) {
        List<GroupRollout> rows = new ArrayList<>();
        List<CompletionExample> examples = examples(grpo);
        for (int i = 0; i < examples.size(); i++) {
            JsonNode r = grpo.get("rollouts").get(i);
            rows.add(new GroupRollout(examples.get(i), doubles(r.get("old_logprobs")), doubles(r.get("ref_logprobs")), advantages[i], true));
        }
        return rows;
    }

    /** Asserts |got - want| <= 1e-9 |want| and returns the relative error. */
    static double close(double want, double got, String what) {
        assertEquals(want, got, RELATIVE * Math.abs(want), what);
        return TrainerVectors.relative(got, want);
    }

    /**
     * Asserts every parameter's gradient matches the file's to 1e-9 relative (1e-12 of the tensor's largest entry
     * absolute) and returns the worst relative error over the entries above 1e-3 of their tensor's largest.
     */
    static double gradientsMatch(String file, Map<String, Tensor> params) throws IOException {
        double worst = 0;
        try (SafetensorsReader grads = SafetensorsReader.open(TrainerVectors.file(file))) {
            assertEquals(grads.entries().keySet(), params.keySet(), "a gradient for every parameter, by HF name");
            for (String name : grads.entries().keySet()) {
                double[] want = grads.read(name).toDoubleArray();
                double[] got = params.get(name).grad().toDoubleArray();
                double scale = 0;
                for (double v : want) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < want.length; i++) {
                    double err = Math.abs(got[i] - want[i]);
                    worst = Math.max(worst, err / Math.max(Math.abs(want[i]), 1e-3 * scale));
                    assertTrue(err <= RELATIVE * Math.abs(want[i]) + 1e-12 * scale, name + "[" + i + "]: " + got[i] + " vs " + want[i]);
                }
            }
        }
        return worst;
    }
}
