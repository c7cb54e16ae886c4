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
 * The crash test: {@code rlhf4j sft} (and {@code reward}, {@code dpo}, {@code ppo}) runs in a child JVM, is killed
 * with SIGKILL ({@link Process#destroyForcibly}) at a random step after its first checkpoint, and {@code --resume} finishes
 * it. The final weights are the same bytes, and every metric line (wall-clock figures aside) the same, as those of an
 * uninterrupted run with the seed.
 */
class KillResumeTest {
    private static final int STEPS = 40;

    @TempDir
    Path dir;

    /** PPO's iterations take longer (generation, four passes): fewer of them. */
    private static final int PPO_ITERATIONS = 12;

    private static List<String> run(String command, Path model, Path data) {
        return run(command, model, data, STEPS);
    }

    private static List<String> run(String command, Path model, Path data, int steps) {
        return new ArrayList<>(List.of(command, "--model", model.toString(), "--data", data.toString(), "--seed", "7", "--max-steps",
                Integer.toString(steps), "--per-device-train-batch-size", "3", "--learning-rate", "1e-3", "--quiet", "--save-steps", "4"));
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

    @Test
    void rewardKilledAtARandomStepResumesToTheSameWeightsAndMetrics() throws Exception {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        killAndResume(run("reward", model, TinyRunFiles.preferences(dir.resolve("pairs.jsonl"))));
    }

    /** PPO's checkpoints add the critic, the KL controller and the prompt order; iterations are the steps. */
    @Test
    void ppoKilledAtARandomIterationResumesToTheSameWeightsAndMetrics() throws Exception {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path rm = dir.resolve("rm");
        ok(List.of("reward", "--model", model.toString(), "--data", TinyRunFiles.preferences(dir.resolve("pairs.jsonl")).toString(),
                "--out", rm.toString(), "--max-steps", "1", "--quiet"));
        List<String> ppo = run("ppo", model, TinyRunFiles.prompts(dir.resolve("prompts.jsonl")), PPO_ITERATIONS);
        ppo.addAll(List.of("--reward-model", rm.resolve("model").toString(), "--response-length", "4", "--adaptive-kl-target", "0.05",
                "--num-ppo-epochs", "2", "--total-episodes", Integer.toString(3 * PPO_ITERATIONS)));
        killAndResume(ppo, PPO_ITERATIONS);
    }

    /** {@code java ... rlhf4j ARGS} in a child JVM on this test's classpath, with {@code jvmOptions} after the heap size. */
    static List<String> childJvm(List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return command;
    }

    private void killAndResume(List<String> args) throws Exception {
        killAndResume(args, STEPS);
    }

    /** Runs {@code args} whole, then killed after a random step in [5, steps / 2] and resumed; {@code steps} at least 12. */
    private void killAndResume(List<String> args, int steps) throws Exception {
        Path whole = dir.resolve("whole");
        List<String> uninterrupted = new ArrayList<>(args);
        uninterrupted.addAll(List.of("--out", whole.toString()));
        ok(uninterrupted);

        // 1. the same run in a child JVM, killed once it has logged a random step after its first checkpoint
        Path killed = dir.resolve("killed");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int killAfter = 5 + random.nextInt(steps / 2 - 4);            // steps 5-20 of 40: the child is far from done
        List<String> killedArgs = new ArrayList<>(args);
        killedArgs.addAll(List.of("--out", killed.toString()));
        List<String> command = childJvm(List.of(), killedArgs);
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
        assertTrue(resumedAt >= 4 && resumedAt < steps, "resumes at " + resumedAt);
        System.out.printf(args.get(0) + ": kill -9 after step %d (seed %d); resuming from checkpoint step %d%n", killAfter, seed, resumedAt);

        // 2. resumed to the end: the same bytes and the same metric lines as the uninterrupted run
        List<String> resume = new ArrayList<>(args);
        resume.addAll(List.of("--resume", killed.toString()));
        ok(resume);
        assertArrayEquals(Files.readAllBytes(whole.resolve("model/model.safetensors")),
                Files.readAllBytes(killed.resolve("model/model.safetensors")), "final weights");
        List<MetricsRow> expected = ResumeTest.withoutWallClock(whole);
        List<MetricsRow> got = ResumeTest.withoutWallClock(killed);
        assertEquals(steps, got.size());
        assertEquals(expected.subList((int) resumedAt, steps), got.subList((int) resumedAt, steps), "the lines after the resume point");
        assertEquals(expected, got, "and the whole log");
    }
}
