package dev.rlhf4j.rlhf.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.jsonl: one flushed line per step in the reported order, non-finite figures as strings, read back exactly. */
class MetricsLogTest {
    @TempDir
    Path dir;

    private static Map<String, Double> metrics(Object... nameValue) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], (Double) nameValue[i + 1]);
        }
        return m;
    }

    @Test
    void writesOneLinePerStepFlushedAsItGoes() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(file)) {
            log.onStep(1, metrics("loss", 0.6931471805599453, "learning_rate", 1e-6, "objective/kl", 0.0));
            assertEquals("{\"step\":1,\"loss\":0.6931471805599453,\"learning_rate\":1.0E-6,\"objective/kl\":0.0}\n",
                    Files.readString(file), "on disk before close");
            log.onStep(3, metrics("rewards/margins", -2.5));
        }
        assertEquals(List.of("{\"step\":1,\"loss\":0.6931471805599453,\"learning_rate\":1.0E-6,\"objective/kl\":0.0}",
                "{\"step\":3,\"rewards/margins\":-2.5}"), Files.readAllLines(file));
    }

    @Test
    void nonFiniteFiguresAreStringsAndReadBack() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Map<String, Double> odd = metrics("a", Double.NaN, "b", Double.POSITIVE_INFINITY, "c", Double.NEGATIVE_INFINITY,
                "d", -0.0, "e", Double.MIN_VALUE, "f", 1.0 / 3);
        try (MetricsLog log = MetricsLog.create(file)) {
            log.onStep(7, odd);
        }
        assertEquals("{\"step\":7,\"a\":\"NaN\",\"b\":\"Infinity\",\"c\":\"-Infinity\",\"d\":-0.0,\"e\":4.9E-324,"
                + "\"f\":0.3333333333333333}", Files.readString(file).strip());
        List<MetricsRow> rows = MetricsLog.read(file);
        assertEquals(List.of(new MetricsRow(7, odd)), rows);
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), List.copyOf(rows.get(0).metrics().keySet()));
    }

    @Test
    void readsNullAsNaNAndNamesABadValue() throws IOException {
        Path file = dir.resolve("m.jsonl");
        Files.writeString(file, "{\"step\": 1, \"loss\": null}\n{\"step\": 2, \"loss\": \"high\"}\n");
        String m = assertThrows(IllegalArgumentException.class, () -> MetricsLog.read(file)).getMessage();
        assertEquals(file + ", line 2: metric \"loss\" must be a number, \"NaN\", \"Infinity\" or \"-Infinity\", got"
                + " \"high\"", m);
        Files.writeString(file, "{\"step\": 1, \"loss\": null}\n");
        assertTrue(Double.isNaN(MetricsLog.read(file).get(0).metrics().get("loss")));
        Files.writeString(file, "{\"loss\": 1}\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MetricsLog.read(file)).getMessage()
                .startsWith(file + ", line 1: expected an object with an integer \"step\""));
    }

    @Test
    void refusesStepsThatDoNotIncreaseAndBadNames() {
        try (MetricsLog log = MetricsLog.create(dir.resolve("metrics.jsonl"))) {
            log.onStep(2, metrics("loss", 1.0));
            assertEquals("metrics step 2 after step 2: steps must increase",
                    assertThrows(IllegalArgumentException.class, () -> log.onStep(2, metrics("loss", 1.0))).getMessage());
            assertEquals("a metric may not be named \"step\" (the line's own key)",
                    assertThrows(IllegalArgumentException.class, () -> log.onStep(3, metrics("step", 1.0))).getMessage());
            assertEquals("metric \"loss\" of step 4 is null",
                    assertThrows(IllegalArgumentException.class, () -> log.onStep(4, metrics("loss", null))).getMessage());
            assertEquals(1, log.rows().size());
        }
    }

    @Test
    void neverOverwritesAnExistingLog() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":1}\n");
        String m = assertThrows(IllegalStateException.class, () -> MetricsLog.create(file)).getMessage();
        assertEquals(file + " already exists: a run's metrics are never overwritten (choose another --out folder)", m);
        assertEquals("{\"step\":1}\n", Files.readString(file));
    }
}
