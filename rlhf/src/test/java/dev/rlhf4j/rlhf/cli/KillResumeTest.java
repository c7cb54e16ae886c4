package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.run.Checkpoints;
import dev.rlhf4j.rlhf.run.MetricsRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test: {@code rlhf4j sft} (and {@code dpo}) runs in a child JVM, is killed with SIGKILL ({@link Process#destroyForcibly})
 * at a random step after its first checkpoint, and {@code sft --resume} finishes it. The final weights are the same bytes,
 * and every metric line (wall-clock figures aside) the same, as those of an uninterrupted run with the seed.
 */
class KillResumeTest {
    private static final int STEPS = 40;

    @TempDir
    Path dir;

    private static List<String> run(String command, Path model, Path data) {
        return new ArrayList<>(List.of(command, "--model", model.toString(), "--data", data.toString(), "--seed", "7", "--max-steps",
                Integer.toString(STEPS), "--per-device-train-batch-size", "3", "--learning-rate", "1e-3", "--quiet", "--save-steps", "4"));
    }

    private static void ok(List<String> args) {
        CommandRun r = CommandRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exit(), () -> String.join(" ", args) + "\n" + r.out() + r.err());
    }

    private static long lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).chars().filter(c -> c == '\n').count() : 0;
    }

    @Test
    void sftKilledAtARandomStepResumesToTheSameWeightsAndMetrics() throws Exception {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        killAndResume(run("sft", model, TinyRunFiles.sft(dir.resolve("sft.jsonl"))));
    }

    @Test
    void dpoKilledAtARandomStepResumesToTheSameWeightsAndMetrics() throws Exception {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        killAndResume(run("dpo", model, TinyRunFiles.preferences(dir.resolve("pairs.jsonl"))));
    }

    private void killAndResume(List<String> args) throws Exception {
        Path whole = dir.resolve("whole");
        List<String> uninterrupted = new ArrayList<>(args);
        uninterrupted.addAll(List.of("--out", whole.toString()));
        ok(uninterrupted);

        // 1. the same run in a child JVM, killed once it has logged a random step after its first checkpoint
        Path killed = dir.resolve("killed");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int killAfter = 5 + random.nextInt(STEPS / 2 - 4);            // steps 5-20 of 40: the child is far from done
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        command.addAll(List.of("--out", killed.toString()));
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(killed.resolve("metrics.jsonl")) < killAfter && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        Thread.sleep(random.nextInt(10));
        assertTrue(child.isAlive(), "the child JVM was still training at step " + killAfter + " (kill seed " + seed + "): "
                + Files.readString(log));
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        Optional<Checkpoints.Checkpoint> last = Checkpoints.latest(killed);
        assertTrue(last.isPresent(), "a checkpoint was complete when the child died");
        long resumedAt = last.get().step();
        assertTrue(resumedAt >= 4 && resumedAt < STEPS, "resumes at " + resumedAt);
        System.out.printf(args.get(0) + ": kill -9 after step %d (seed %d); resuming from checkpoint step %d%n", killAfter, seed, resumedAt);

        // 2. resumed to the end: the same bytes and the same metric lines as the uninterrupted run
        List<String> resume = new ArrayList<>(args);
        resume.addAll(List.of("--resume", killed.toString()));
        ok(resume);
        assertArrayEquals(Files.readAllBytes(whole.resolve("model/model.safetensors")),
                Files.readAllBytes(killed.resolve("model/model.safetensors")), "final weights");
        List<MetricsRow> expected = ResumeTest.withoutWallClock(whole);
        List<MetricsRow> got = ResumeTest.withoutWallClock(killed);
        assertEquals(STEPS, got.size());
        assertEquals(expected.subList((int) resumedAt, STEPS), got.subList((int) resumedAt, STEPS), "the lines after the resume point");
        assertEquals(expected, got, "and the whole log");
    }
}
