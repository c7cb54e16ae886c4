package dev.rlhf4j.rlhf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link ReferenceBenchmark} on the tiny preset (no child processes) and checks its lines: every strategy has
 * its held memory and pass time against the frozen copy, and the memory figures are the ones the strategies promise.
 */
class ReferenceBenchmarkTest {

    @Test
    void everyStrategyIsMeasuredAgainstTheFrozenCopy() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            ReferenceBenchmark.run(out, "tiny", 2, 16, 1, false);
        }
        Map<String, JsonNode> lines = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : buffer.toString(StandardCharsets.UTF_8).lines().toList()) {
            JsonNode node = json.readTree(line);
            lines.put(node.get("bench").asText(), node);
        }
        assertEquals(2 * ReferenceStrategies.NAMES.size() + 2, lines.size(), lines.keySet().toString());
        for (String name : ReferenceStrategies.NAMES) {
            JsonNode held = lines.get("reference." + name + ".held_mb");
            JsonNode pass = lines.get("reference." + name + ".pass_ms");
            assertEquals("MB", held.get("unit").asText());
            assertEquals("ms", pass.get("unit").asText());
            assertTrue(pass.get("value").asDouble() > 0, name);
        }
        assertEquals(1.0, ratio(lines, "frozen.held_mb"), 1e-3);
        assertEquals(0.5, ratio(lines, "bf16.held_mb"), 1e-3);
        assertEquals(0.5, ratio(lines, "f16.held_mb"), 1e-3);
        assertEquals(1.0, ratio(lines, "synchronized.held_mb"), 1e-3);
        assertTrue(ratio(lines, "offloaded.held_mb") < 1.0);
        assertTrue(ratio(lines, "precomputed.held_mb") < 0.01, "a cache of 2 x 16 log-probs against a model");
        assertTrue(ratio(lines, "precomputed.pass_ms") < 1.0, "a lookup is faster than a forward pass");
    }

    private static double ratio(Map<String, JsonNode> lines, String name) {
        return lines.get("reference." + name).get("ratio").asDouble();
    }
}
