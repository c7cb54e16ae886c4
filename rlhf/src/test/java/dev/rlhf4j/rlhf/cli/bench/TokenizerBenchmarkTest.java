package dev.rlhf4j.rlhf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link TokenizerBenchmark} against jtokkit on a small text and checks the JSON line's shape. With
 * {@code -Dbench.full=true} it runs the full-size benchmark and prints the line (the figure to report).
 */
class TokenizerBenchmarkTest {

    @Test
    void printsOneJsonLineComparingWithJtokkit() throws Exception {
        boolean full = Boolean.getBoolean("bench.full");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            TokenizerBenchmark.run(out, full ? TokenizerBenchmark.DEFAULT_BYTES : 200_000);
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        if (full) {
            System.out.print(printed);
        }
        List<String> lines = printed.lines().toList();
        assertEquals(1, lines.size(), printed);
        JsonNode json = new ObjectMapper().readTree(lines.get(0));
        assertEquals(Set.of("bench", "value", "unit", "baseline", "ratio"), Set.copyOf(iterable(json)));
        assertEquals("tokenizer.encode_mb_per_s", json.get("bench").asText());
        assertEquals("MB/s", json.get("unit").asText());
        double value = json.get("value").asDouble();
        double baseline = json.get("baseline").asDouble();
        assertTrue(value > 0 && baseline > 0, printed);
        assertEquals(value / baseline, json.get("ratio").asDouble(), 0.01 * value / baseline, printed);
    }

    private static List<String> iterable(JsonNode json) {
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
