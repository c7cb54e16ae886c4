package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import dev.rlhf4j.rlhf.run.Checkpoints;
import dev.rlhf4j.rlhf.run.MetricsLog;
import dev.rlhf4j.rlhf.run.MetricsRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --save-steps} and {@code --resume} of the training commands in this JVM: a run resumed from an earlier
 * checkpoint ends with the same weights and metric lines as the uninterrupted run; a resume with other options is
 * refused naming the key; only the last two checkpoints are kept. (The real {@code kill -9} is {@code KillResumeTest}
 * in the tests module.)
 */
class ResumeTest {
    @TempDir
    Path dir;

    private static CommandRun ok(List<String> args) {
        CommandRun r = CommandRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exit(), () -> String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    static List<MetricsRow> withoutWallClock(Path run) {
        return MetricsLog.read(run.resolve("metrics.jsonl")).stream().map(MetricsRow::withoutWallClock).toList();
    }

    private List<String> sft(Path model, Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("sft", "--model", model.toString(), "--data", data.toString(), "--seed", "7",
                "--max-steps", "6", "--per-device-train-batch-size", "3", "--learning-rate", "1e-3", "--quiet", "--save-steps", "2"));
        args.addAll(Arrays.asList(more));
        return args;
    }

    @Test
    void sftResumedFromAnEarlierCheckpointEndsBitIdentical() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path data = TinyRunFiles.sft(dir.resolve("sft.jsonl"));
        resumeMatchesTheWholeRun("model/model.safetensors", List.of(4L, 6L), sft(model, data));
    }

    @Test
    void rewardResumedFromAnEarlierCheckpointEndsBitIdentical() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path pairs = TinyRunFiles.preferences(dir.resolve("pairs.jsonl"));
        resumeMatchesTheWholeRun("model/model.safetensors", List.of(6L, 8L), new ArrayList<>(List.of("reward", "--model",
                model.toString(), "--data", pairs.toString(), "--seed", "7", "--num-train-epochs", "2", "--per-device-train-batch-size",
                "2", "--learning-rate", "1e-3", "--quiet", "--save-steps", "3")));
    }

    @Test
    void dpoOfTheWholePolicyAndOfLoraAdaptersResumeBitIdentical() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path pairs = TinyRunFiles.preferences(dir.resolve("pairs.jsonl"));
        List<String> dpo = List.of("dpo", "--model", model.toString(), "--data", pairs.toString(), "--seed", "7", "--max-steps", "7",
                "--per-device-train-batch-size", "3", "--learning-rate", "1e-3", "--quiet", "--save-steps", "2");
        resumeMatchesTheWholeRun("model/model.safetensors", List.of(6L, 7L), new ArrayList<>(dpo));
        deleteTree(dir.resolve("whole"));
        deleteTree(dir.resolve("cut"));
        List<String> lora = new ArrayList<>(dpo);
        lora.addAll(List.of("--lora-r", "4", "--reference", "lora-disabled"));
        resumeMatchesTheWholeRun("adapter/adapter_model.safetensors", List.of(6L, 7L), lora);
    }

    @Test
    void ppoWithAdaptiveKlAndWithLoraResumesMidPassBitIdentical() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path rm = dir.resolve("rm");
        ok(List.of("reward", "--model", model.toString(), "--data", TinyRunFiles.preferences(dir.resolve("pairs.jsonl")).toString(),
                "--out", rm.toString(), "--max-steps", "1", "--quiet"));
        List<String> ppo = List.of("ppo", "--model", model.toString(), "--reward-model", rm.resolve("model").toString(), "--data",
                TinyRunFiles.prompts(dir.resolve("prompts.jsonl")).toString(), "--seed", "7", "--max-steps", "5",
                "--per-device-train-batch-size", "2", "--response-length", "4", "--learning-rate", "1e-3", "--quiet", "--save-steps", "3");
        List<String> adaptive = new ArrayList<>(ppo);
        adaptive.addAll(List.of("--adaptive-kl-target", "0.05"));
        resumeMatchesTheWholeRun("model/model.safetensors", List.of(3L, 5L), adaptive);
        assertTrue(Files.exists(dir.resolve("whole/checkpoints/step-5/critic.safetensors")));
        deleteTree(dir.resolve("whole"));
        deleteTree(dir.resolve("cut"));
        List<String> lora = new ArrayList<>(ppo);
        lora.addAll(List.of("--lora-r", "2", "--reference", "lora-disabled", "--critic", "shared"));
        resumeMatchesTheWholeRun("adapter/adapter_model.safetensors", List.of(3L, 5L), lora);
    }

    @Test
    void grpoOfTheWholePolicyAndRlooOfLoraAdaptersResumeMidPassBitIdentical() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        String prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl")).toString();
        List<String> grpo = List.of("grpo", "--model", model.toString(), "--data", prompts, "--seed", "7", "--max-steps", "5",
                "--reward-funcs", "length,eos", "--beta", "0.04", "--num-iterations", "2", "--per-device-train-batch-size", "4",
                "--num-generations", "2", "--max-completion-length", "4", "--learning-rate", "1e-3", "--quiet", "--save-steps", "3");
        resumeMatchesTheWholeRun("model/model.safetensors", List.of(3L, 5L), new ArrayList<>(grpo));
        assertEquals(0.0, MetricsLog.read(dir.resolve("whole/metrics.jsonl")).get(4).metrics().get("skipped_steps"));
        deleteTree(dir.resolve("whole"));
        deleteTree(dir.resolve("cut"));
        List<String> rloo = List.of("rloo", "--model", model.toString(), "--data", prompts, "--seed", "7", "--max-steps", "5",
                "--reward-funcs", "length,eos", "--lora-r", "2", "--reference", "lora-disabled", "--per-device-train-batch-size", "4",
                "--num-generations", "2", "--max-completion-length", "4", "--learning-rate", "1e-3", "--quiet", "--save-steps", "3");
        resumeMatchesTheWholeRun("adapter/adapter_model.safetensors", List.of(3L, 5L), new ArrayList<>(rloo));
    }

    @Test
    void aDivergingGrpoRunStopsWithOneLine() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        String prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl")).toString();
        Path run = dir.resolve("run");
        CommandRun r = CommandRun.of("grpo", "--model", model.toString(), "--data", prompts, "--seed", "7", "--max-steps", "30",
                "--reward-funcs", "length", "--per-device-train-batch-size", "4", "--num-generations", "2", "--max-completion-length", "4",
                "--learning-rate", "1e30", "--quiet", "--save-steps", "1", "--max-consecutive-nonfinite", "2", "--out", run.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        List<String> errors = r.err().lines().filter(l -> !l.contains("update skipped")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("rlhf4j grpo: "), r.err());
        assertTrue(errors.get(0).contains("not writing a checkpoint: weight") || errors.get(0).contains("max_consecutive_nonfinite = 2")
                || errors.get(0).contains("the model's weights or activations are not finite"), r.err());
        assertTrue(Checkpoints.latest(run).isPresent(), "the checkpoints before the divergence are kept");
    }

    @Test
    void grpoWithAReferenceThatFollowsThePolicyResumesBitIdentical() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        String prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl")).toString();
        List<String> grpo = List.of("grpo", "--model", model.toString(), "--data", prompts, "--seed", "7", "--max-steps", "5",
                "--reward-funcs", "length,eos", "--beta", "0.04", "--sync-ref-model", "true", "--ref-model-sync-steps", "2",
                "--ref-model-mixup-alpha", "0.5", "--per-device-train-batch-size", "4", "--num-generations", "2",
                "--max-completion-length", "4", "--learning-rate", "1e-3", "--quiet", "--save-steps", "3");
        resumeMatchesTheWholeRun("model/model.safetensors", List.of(3L, 5L), new ArrayList<>(grpo));
        Path synced = dir.resolve("whole/checkpoints/step-3/" + SynchronizedReference.FILE);
        assertTrue(Files.exists(synced), "the checkpoint holds the reference that moved at steps 2");
        assertArrayEquals(Files.readAllBytes(dir.resolve("whole/checkpoints/step-5/" + SynchronizedReference.FILE)),
                Files.readAllBytes(dir.resolve("cut/checkpoints/step-5/" + SynchronizedReference.FILE)),
                "the resumed run's reference moved as the whole run's did");
    }

    /**
     * Runs {@code args} whole, and again with its last checkpoint deleted and a torn line at the end of the log (as
     * if killed after the one before), resumed: the weights file, the optimizer state and the metric lines match.
     */
    private void resumeMatchesTheWholeRun(String weights, List<Long> kept, List<String> args) throws IOException {
        Path whole = dir.resolve("whole");
        List<String> first = new ArrayList<>(args);
        first.addAll(List.of("--out", whole.toString()));
        ok(first);
        assertEquals(kept, Checkpoints.list(whole).stream().map(Checkpoints.Checkpoint::step).toList(), "the last two kept");
        long last = kept.get(1);
        try (Stream<Path> files = Files.list(whole.resolve("checkpoints/step-" + last))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.containsAll(List.of("optimizer.safetensors", "run_state.json", "trainer_state.json"))
                    && names.contains(weights.substring(0, weights.indexOf('/'))), names.toString());
        }

        Path cut = dir.resolve("cut");
        List<String> second = new ArrayList<>(args);
        second.addAll(List.of("--out", cut.toString()));
        ok(second);
        deleteTree(cut.resolve("checkpoints/step-" + last));
        Files.writeString(cut.resolve("metrics.jsonl"), "{\"step\": 99, \"lo", java.nio.file.StandardOpenOption.APPEND);
        List<String> resume = new ArrayList<>(args);
        resume.addAll(List.of("--resume", cut.toString()));
        ok(resume);
        assertArrayEquals(Files.readAllBytes(whole.resolve(weights)), Files.readAllBytes(cut.resolve(weights)));
        assertEquals(withoutWallClock(whole), withoutWallClock(cut));
        assertArrayEquals(Files.readAllBytes(whole.resolve("checkpoints/step-" + last + "/optimizer.safetensors")),
                Files.readAllBytes(cut.resolve("checkpoints/step-" + last + "/optimizer.safetensors")));
    }

    @Test
    void aResumeWithOtherOptionsOrWithoutACheckpointIsRefusedNamingWhy() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path data = TinyRunFiles.sft(dir.resolve("sft.jsonl"));
        Path run = dir.resolve("run");
        ok(sft(model, data, "--out", run.toString()));
        List<String> other = sft(model, data, "--resume", run.toString(), "--max-length", "32");
        CommandRun r = CommandRun.of(other.toArray(String[]::new));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("trainer.max_length: the run has 1024, the options give 32"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        deleteTree(run.resolve("checkpoints"));
        CommandRun none = CommandRun.of(sft(model, data, "--resume", run.toString()).toArray(String[]::new));
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("no complete checkpoint in " + run.resolve("checkpoints")), none.err());

        CommandRun nowhere = CommandRun.of(sft(model, data, "--resume", dir.resolve("nowhere").toString()).toArray(String[]::new));
        assertEquals(2, nowhere.exit(), "a missing folder is a usage error");
        assertTrue(nowhere.err().contains("--resume") && nowhere.err().contains("no such file or directory"), nowhere.err());

        Path notARunDir = Files.createDirectories(dir.resolve("empty"));
        CommandRun notARun = CommandRun.of(sft(model, data, "--resume", notARunDir.toString()).toArray(String[]::new));
        assertEquals(1, notARun.exit());
        assertTrue(notARun.err().contains("no config.json there"), notARun.err());
    }

    @Test
    void aDivergingRunStopsWithOneLineAndNoNonFiniteCheckpoint() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path data = TinyRunFiles.sft(dir.resolve("sft.jsonl"));
        Path run = dir.resolve("run");
        List<String> args = new ArrayList<>(List.of("sft", "--model", model.toString(), "--data", data.toString(), "--seed", "7",
                "--max-steps", "30", "--per-device-train-batch-size", "3", "--learning-rate", "1e30", "--quiet", "--save-steps", "1",
                "--max-consecutive-nonfinite", "2", "--out", run.toString()));
        CommandRun r = CommandRun.of(args.toArray(String[]::new));
        assertEquals(1, r.exit(), r.out() + r.err());
        List<String> errors = r.err().lines().filter(l -> !l.contains("update skipped")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("rlhf4j sft: sft: step "), r.err());
        assertTrue(r.err().contains("update skipped (1 in a row, 1 in all)"), "each skipped step is logged with its step");
        assertTrue(errors.get(0).contains("not writing a checkpoint: weight") || errors.get(0).contains("max_consecutive_nonfinite = 2"),
                r.err());
        for (Checkpoints.Checkpoint c : Checkpoints.list(run)) {
            for (MetricsRow row : MetricsLog.read(run.resolve("metrics.jsonl")).subList(0, c.metricsLines())) {
                assertTrue(row.step() <= c.step());
            }
        }
        assertTrue(Checkpoints.latest(run).isPresent(), "the checkpoints before the divergence are kept");
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
        assertFalse(Files.exists(p));
    }
}
