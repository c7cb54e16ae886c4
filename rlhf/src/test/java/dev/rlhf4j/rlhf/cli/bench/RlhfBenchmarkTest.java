package dev.rlhf4j.rlhf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link PpoBenchmark} and {@link DpoBenchmark} on the tiny preset and checks their lines: the expected names,
 * units and baselines, every time and ratio positive and finite, and the FLOP predictions the counts promise. No
 * timing is asserted.
 */
class RlhfBenchmarkTest {

    @Test
    void ppoReportsTheIterationAndItsSplitInTrainingSteps() throws Exception {
        for (boolean separate : new boolean[] {false, true}) {
            Map<String, JsonNode> lines = run((out, table) -> PpoBenchmark.run(out, table, "tiny", 2, 16, 8, separate, 2, 2, 1));
            assertEquals(List.of("ppo.train_step_ms", "ppo.iteration_ms", "ppo.generation_ms", "ppo.generation_vs_flops", "ppo.scoring_ms",
                    "ppo.scoring_vs_flops", "ppo.reference_ms", "ppo.reference_vs_flops", "ppo.training_ms", "ppo.training_vs_flops",
                    "ppo.iteration_vs_flops", "ppo.tokens_per_s", "ppo.generated_tokens_per_s", "ppo.peak_memory_mb"),
                    List.copyOf(lines.keySet()));
            double step = positive(lines.get("ppo.train_step_ms"), "value");
            for (String phase : List.of("iteration", "generation", "scoring", "reference", "training")) {
                JsonNode line = lines.get("ppo." + phase + "_ms");
                assertEquals("ms", line.get("unit").asText());
                assertEquals(step, line.get("baseline").asDouble(), 0.0, phase);
                positive(line, "value");
                positive(line, "ratio");
                positive(lines.get("ppo." + phase + "_vs_flops"), "baseline");
                positive(lines.get("ppo." + phase + "_vs_flops"), "ratio");
            }
            positive(lines.get("ppo.tokens_per_s"), "ratio");
            positive(lines.get("ppo.generated_tokens_per_s"), "value");
        }
    }

    @Test
    void dpoReportsItsStepInTrainingSteps() throws Exception {
        Map<String, JsonNode> lines = run((out, table) -> DpoBenchmark.run(out, table, "tiny", 2, 16, 8, 1));
        assertEquals(List.of("dpo.train_step_ms", "dpo.step_ms", "dpo.step_vs_flops", "dpo.tokens_per_s", "dpo.peak_memory_mb"),
                List.copyOf(lines.keySet()));
        JsonNode step = lines.get("dpo.step_ms");
        assertEquals(positive(lines.get("dpo.train_step_ms"), "value"), step.get("baseline").asDouble(), 0.0);
        positive(step, "ratio");
        assertEquals(positive(step, "ratio"), lines.get("dpo.step_vs_flops").get("value").asDouble(), 1e-3 * step.get("ratio").asDouble());
        assertEquals(8.0 / 3, lines.get("dpo.step_vs_flops").get("baseline").asDouble(), 1e-3,
                "2B rows forward and backward plus their reference forward, against B rows forward and backward");
        positive(lines.get("dpo.tokens_per_s"), "ratio");
    }

    /** The FLOP predictions: the reference is one forward with the head, a third of a step; an epoch adds a step. */
    @Test
    void theFlopPredictionsFollowTheCounts() {
        try (TrainingStep s = new TrainingStep("tiny", 2, 16, "test")) {
            double[] shared = PpoBenchmark.expectedSteps(s, 8, 8, false, 1);
            double[] twoEpochs = PpoBenchmark.expectedSteps(s, 8, 8, false, 2);
            double[] separate = PpoBenchmark.expectedSteps(s, 8, 8, true, 1);
            assertEquals(1.0 / 3, shared[2], 1e-12);
            assertEquals(4.0 / 3, shared[3], 1e-12, "the rollout's forward and one forward and backward");
            assertEquals(1.0, twoEpochs[3] - shared[3], 1e-12);
            assertEquals(4 * separate[1], separate[3] - shared[3], 1e-12, "a separate critic's trunk forward, and its forward and backward");
            assertTrue(shared[1] < shared[2], "the reward model has no LM head");
            assertTrue(shared[0] > 0 && shared[0] < shared[2], "generation feeds T-1 tokens and runs the head on the new ones only");
        }
    }

    @Test
    void badShapesAreRefusedWithTheirOptionNamed() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PpoBenchmark.run(sink, sink, "tiny", 3, 16, 8, false, 1, 2, 1));
        assertTrue(e.getMessage().contains("--minibatches"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DpoBenchmark.run(sink, sink, "tiny", 2, 16, 16, 1));
        assertTrue(e.getMessage().contains("--response-length"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DpoBenchmark.run(sink, sink, "tiny", 2, 100, 8, 1));
        assertTrue(e.getMessage().contains("--seq"), e.getMessage());
    }

    /** The JSON lines by name; the table must say something too. */
    private static Map<String, JsonNode> run(BiConsumer<PrintStream, PrintStream> bench) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
             PrintStream human = new PrintStream(table, true, StandardCharsets.UTF_8)) {
            bench.accept(out, human);
        }
        assertTrue(table.toString(StandardCharsets.UTF_8).contains("training step (base)"), table.toString(StandardCharsets.UTF_8));
        Map<String, JsonNode> lines = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : buffer.toString(StandardCharsets.UTF_8).lines().toList()) {
            JsonNode node = json.readTree(line);
            assertEquals(List.of("bench", "value", "unit", "baseline", "ratio"), iterator(node), line);
            lines.put(node.get("bench").asText(), node);
        }
        return lines;
    }

    private static List<String> iterator(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static double positive(JsonNode line, String field) {
        JsonNode v = line.get(field);
        assertTrue(v.isNumber() && v.asDouble() > 0 && Double.isFinite(v.asDouble()), line.get("bench") + " " + field + ": " + v);
        return v.asDouble();
    }
}
