package dev.rlhf4j.rlhf.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One valid PNG per metric group, named safely, drawn headless from rows or from metrics.jsonl. */
class MetricPlotsTest {
    @TempDir
    Path dir;

    private static List<MetricsRow> ppoLikeRows(int steps) {
        List<MetricsRow> rows = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", 1.0 / s);
            m.put("learning_rate", 1e-5);
            m.put("objective/kl", 0.01 * s);
            m.put("objective/scores", Math.sin(s));
            m.put("loss/value_avg", 0.5 / s);
            m.put("policy/clipfrac_avg", s == 3 ? Double.NaN : 0.1);
            m.put("val/num_eos_tokens", Double.POSITIVE_INFINITY);
            m.put("time/generation s", 0.2);
            rows.add(new MetricsRow(s, m));
        }
        return rows;
    }

    @Test
    void drawsOneValidPngPerGroup() throws IOException {
        List<Path> files = MetricPlots.draw(ppoLikeRows(80), dir.resolve("plots"));
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        // val/* has no finite figure, so no chart; "loss" and "loss/value_avg" share one.
        assertEquals(List.of("loss.png", "learning_rate.png", "objective.png", "policy.png", "time.png"), names);
        for (Path f : files) {
            BufferedImage image = ImageIO.read(f.toFile());
            assertNotNull(image, f + " is a PNG that ImageIO reads");
            assertEquals(MetricPlots.WIDTH, image.getWidth());
            assertEquals(MetricPlots.HEIGHT, image.getHeight());
            assertTrue(distinctColours(image) > 3, f + " has curves, text and axes, not a blank canvas");
        }
        assertEquals("true", System.getProperty("java.awt.headless"));
    }

    @Test
    void drawsFromMetricsJsonl() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(file)) {
            ppoLikeRows(3).forEach(r -> log.onStep(r.step(), r.metrics()));
        }
        List<Path> files = MetricPlots.draw(file, dir.resolve("p"));
        assertEquals(5, files.size());
        for (Path f : files) {
            assertNotNull(ImageIO.read(f.toFile()));
        }
        try (var s = Files.list(dir.resolve("p"))) {
            assertEquals(5, s.count(), "no temporary files left");
        }
    }

    @Test
    void groupsByThePrefixBeforeTheFirstSlash() {
        Map<String, List<String>> groups = MetricPlots.groups(ppoLikeRows(1));
        assertEquals(List.of("loss", "learning_rate", "objective", "policy", "val", "time"), List.copyOf(groups.keySet()));
        assertEquals(List.of("loss", "loss/value_avg"), groups.get("loss"));
        assertEquals(List.of("objective/kl", "objective/scores"), groups.get("objective"));
    }

    @Test
    void fileNamesAreSafeAndDistinct() {
        Set<String> used = new HashSet<>();
        assertEquals("tokens_s.png", MetricPlots.uniqueFileName("tokens/s", used));
        assertEquals("tokens_s-2.png", MetricPlots.uniqueFileName("tokens s", used));
        assertEquals("__etc.png", MetricPlots.uniqueFileName("../etc", used));
        assertEquals("__.png", MetricPlots.uniqueFileName("é€", used));
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 5) {
            for (int x = 0; x < image.getWidth(); x += 5) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
