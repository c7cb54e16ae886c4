package dev.rlhf4j.rlhf.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.train.MetricsSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fake trainer's loop through a whole run: config, metrics, progress, plots, saved model and summary. */
class TrainingRunTest {
    @TempDir
    Path dir;

    /** Stands in for a DPO trainer: a seeded loop reporting TRL's metric names each step. */
    private static void fakeDpo(long seed, int steps, MetricsSink sink) {
        Random random = new Random(seed);
        for (int step = 1; step <= steps; step++) {
            double margin = 0.1 * step + 0.01 * random.nextGaussian();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", Math.log1p(Math.exp(-margin)));
            m.put("learning_rate", 5e-7 * (1 - (step - 1) / (double) steps));
            m.put("rewards/chosen", margin / 2);
            m.put("rewards/rejected", -margin / 2);
            m.put("rewards/accuracies", margin > 0 ? 1.0 : 0.0);
            m.put("rewards/margins", margin);
            m.put("logps/chosen", -20.0 + margin);
            sink.onStep(step, m);
        }
    }

    private static RunSpec spec(Path out, int steps) {
        return new RunSpec("dpo", out, 7, Path.of("models/tiny"), steps, false);
    }

    @Test
    void aFakeTrainerRunsEndToEnd() throws IOException {
        Path out = dir.resolve("run");
        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(Gpt2Config.tiny(), DType.FLOAT32, 1);
        String summary;
        try (TrainingRun run = TrainingRun.start(spec(out, 12), Map.of("trainer", Map.of("beta", 0.1)),
                Progress.to(new PrintStream(bar, true, StandardCharsets.UTF_8), "dpo", 12, Progress.SHOWN))) {
            fakeDpo(7, 12, run.sink());
            assertEquals(12, run.rows().size());
            run.saveModel(model, SmallTokenizer.TOKENIZER);
            summary = run.finish();
        } finally {
            model.release();
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("dpo", config.get("command").asText());
        assertEquals(7, config.get("seed").asLong());
        assertEquals(0.1, config.get("trainer").get("beta").asDouble());

        List<MetricsRow> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(12, rows.size());
        assertEquals(12, rows.get(11).step());
        assertEquals(List.of("loss", "learning_rate", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
                "rewards/margins", "logps/chosen"), List.copyOf(rows.get(0).metrics().keySet()));

        for (String plot : List.of("loss.png", "learning_rate.png", "rewards.png", "logps.png")) {
            assertEquals(MetricPlots.WIDTH, ImageIO.read(out.resolve("plots").resolve(plot).toFile()).getWidth());
        }
        assertTrue(Files.exists(out.resolve("model/model.safetensors")));
        assertTrue(Files.exists(out.resolve("model/vocab.json")));

        String last = rows.get(11).metrics().get("loss").toString().substring(0, 4);
        assertTrue(summary.startsWith("dpo: 12 steps in "), summary);
        assertTrue(summary.contains(", last loss=" + last), summary);
        assertTrue(summary.endsWith("; run folder " + out + ", 4 plots, saved model"), summary);
        assertTrue(bar.toString(StandardCharsets.UTF_8).contains("12/12"), "the bar reached the last step");
    }

    @Test
    void theSameSeedWritesTheSameMetrics() throws IOException {
        for (String name : List.of("a", "b")) {
            try (TrainingRun run = TrainingRun.start(spec(dir.resolve(name), 5), Map.of(), Progress.quiet())) {
                fakeDpo(3, 5, run.sink());
            }
        }
        assertEquals(Files.readString(dir.resolve("a/metrics.jsonl")), Files.readString(dir.resolve("b/metrics.jsonl")));
    }

    @Test
    void aTrainerThatFailsKeepsTheStepsItReported() throws IOException {
        Path out = dir.resolve("failed");
        RuntimeException failure = assertThrows(RuntimeException.class, () -> {
            try (TrainingRun run = TrainingRun.start(spec(out, 10), Map.of(), Progress.quiet())) {
                MetricsSink sink = run.sink();
                fakeDpo(1, 3, sink);
                throw new IllegalStateException("loss is NaN at step 4");
            }
        });
        assertEquals("loss is NaN at step 4", failure.getMessage());
        assertEquals(3, MetricsLog.read(out.resolve("metrics.jsonl")).size());
        assertThrows(IllegalStateException.class, () -> TrainingRun.start(spec(out, 10), Map.of(), Progress.quiet()),
                "the failed run's folder is not reused");
    }
}
