package dev.rlhf4j.rlhf.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.train.TrainerState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints under failure: a write that dies half-way (a full disk), a checkpoint folder that cannot be created,
 * and a non-finite tensor each give a one-line error naming the path or tensor, and leave the last good checkpoint
 * as it was and no half-written one behind; only the newest two are kept; a resumed log is cut to the checkpoint.
 */
class CheckpointsTest {
    @TempDir
    Path dir;

    private static RunSpec spec(Path out) {
        return new RunSpec("sft", out, 7, Path.of("models/tiny"), 10, true);
    }

    private static FolderWriter file(String text) {
        return d -> Files.writeString(d.resolve("weights.txt"), text);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedWriteLeavesTheLastGoodCheckpointAndNoHalfOne() throws IOException {
        Path out = dir.resolve("run");
        try (TrainingRun run = TrainingRun.start(spec(out), Map.of(), Progress.quiet())) {
            run.sink().onStep(1, Map.of("loss", 1.0));
            run.sink().onStep(2, Map.of("loss", 0.9));
            run.checkpoint(2, file("two"));
            run.sink().onStep(3, Map.of("loss", 0.8));
            run.sink().onStep(4, Map.of("loss", 0.7));

            UncheckedIOException full = assertThrows(UncheckedIOException.class, () -> run.checkpoint(4, d -> {
                Files.writeString(d.resolve("weights.txt"), "half");
                throw new IOException("No space left on device");
            }));
            assertEquals("cannot write checkpoint " + out.resolve("checkpoints/step-4") + ": No space left on device; the last good"
                    + " checkpoint " + out.resolve("checkpoints/step-2") + " is intact", full.getMessage());

            Tensor nan = Tensor.of(new double[] {1, Double.NaN}, DType.FLOAT32, 2);
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> run.checkpoint(4, d -> TrainerState.requireFinite("weight", Map.of("transformer.h.0.ln_1.bias", nan))));
            assertTrue(refused.getMessage().contains("weight transformer.h.0.ln_1.bias holds a non-finite value"), refused.getMessage());
            nan.release();
        }
        assertEquals(List.of("step-2"), names(out.resolve("checkpoints")), "no half-written step-4, no temporary folder");
        assertEquals("two", Files.readString(out.resolve("checkpoints/step-2/weights.txt")));
        assertEquals(new Checkpoints.Checkpoint(out.resolve("checkpoints/step-2"), 2, 2), Checkpoints.latest(out).orElseThrow());
    }

    @Test
    void anUnwritableCheckpointFolderIsNamed() throws IOException {
        Path out = dir.resolve("run");
        try (TrainingRun run = TrainingRun.start(spec(out), Map.of(), Progress.quiet())) {
            Files.writeString(out.resolve("checkpoints"), "a file where the folder should be");
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> run.checkpoint(1, file("one")));
            assertTrue(e.getMessage().startsWith("cannot write checkpoint " + out.resolve("checkpoints/step-1") + ": "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }

    @Test
    void theNewestTwoAreKeptAndAResumedLogIsCutToTheCheckpoint() throws IOException {
        Path out = dir.resolve("run");
        try (TrainingRun run = TrainingRun.start(spec(out), Map.of("trainer", Map.of("beta", 0.1)), Progress.quiet())) {
            for (int step = 1; step <= 8; step++) {
                run.sink().onStep(step, Map.of("loss", 1.0 / step));
                if (step % 2 == 0) {
                    run.checkpoint(step, file("step " + step));
                }
            }
        }
        assertEquals(List.of("step-6", "step-8"), names(out.resolve("checkpoints")));
        Files.delete(out.resolve("checkpoints/step-8/run_state.json"));     // as if step-8 were never completed
        Files.createDirectories(out.resolve("checkpoints/.step-8.tmp-123"));
        try (TrainingRun run = TrainingRun.resume(spec(out), Map.of("trainer", Map.of("beta", 0.1)))) {
            assertEquals(6, run.resumedFrom().orElseThrow().step());
            assertEquals(6, run.rows().size());
            run.sink().onStep(7, Map.of("loss", 0.5));
        }
        List<MetricsRow> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), rows.stream().map(MetricsRow::step).toList());
        assertEquals(0.5, rows.get(6).metrics().get("loss"));
        assertFalse(Files.exists(out.resolve("checkpoints/.step-8.tmp-123")), "an interrupted write's leftovers are removed");

        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.resume(spec(out), Map.of("trainer", Map.of("beta", 0.2))));
        assertTrue(other.getMessage().contains("trainer.beta: the run has 0.1, the options give 0.2"), other.getMessage());
    }
}
