package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.run.MetricsLog;
import dev.rlhf4j.rlhf.run.MetricsRow;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sft}, {@code reward} and {@code dpo} with {@code --master}: the micro-batches of each step are computed on
 * Spark's executors and summed on the driver in micro-batch order, so the metrics (all but the wall-clock ones) and
 * the saved weights are those of the run without Spark, bit for bit, whatever the number of executors. Two
 * micro-batches a step, three steps, so that the sum and the weight broadcasts after an update both matter.
 */
class DistributedGradientCommandsTest {
    @TempDir
    Path dir;

    private static CommandRun lastRun;

    /** SFT with dropout on (each micro-batch draws its masks from its own seed): no master, local[1] and local[2]. */
    @Test
    void sftIsBitIdenticalWithoutSparkAndOnOneOrTwoExecutorThreads() throws IOException {
        Path model = dropoutModel(dir.resolve("tiny"));
        Path data = TinyRunFiles.sft(dir.resolve("sft.jsonl"));
        List<String> args = List.of("sft", "--model", model.toString(), "--data", data.toString(), "--seed", "7", "--max-steps", "3",
                "--per-device-train-batch-size", "2", "--gradient-accumulation-steps", "2", "--learning-rate", "1e-2", "--quiet");
        Path single = run(args, dir.resolve("single"), null);
        List<MetricsRow> expected = metrics(single);
        assertEquals(3, expected.size());
        assertNotEquals(expected.get(0).metrics().get("loss"), expected.get(2).metrics().get("loss"), "the weights moved");
        for (String master : List.of("local[1]", "local[2]")) {
            Path distributed = run(args, dir.resolve("sft-" + master), master);
            assertEquals(expected, metrics(distributed), master);
            assertSameFile(single.resolve("model/model.safetensors"), distributed.resolve("model/model.safetensors"), master);
        }
    }

    /**
     * The reward model with dropout on (each micro-batch draws its masks from its own seed) and held-out pairs scored
     * on the driver: no master, local[1] and local[2]. Six training pairs in micro-batches of two, two a step: the
     * epoch's second step has one micro-batch and is followed by an evaluation, as is the last.
     */
    @Test
    void rewardIsBitIdenticalWithoutSparkAndOnOneOrTwoExecutorThreads() throws IOException {
        Path model = dropoutModel(dir.resolve("tiny"));
        Path pairs = TinyRunFiles.preferences(dir.resolve("pairs.jsonl"));
        List<String> args = List.of("reward", "--model", model.toString(), "--data", pairs.toString(), "--seed", "7", "--max-steps", "3",
                "--per-device-train-batch-size", "2", "--gradient-accumulation-steps", "2", "--learning-rate", "1e-2",
                "--disable-dropout", "false", "--eval-fraction", "0.25", "--quiet");
        Path single = run(args, dir.resolve("single"), null);
        List<MetricsRow> expected = metrics(single);
        assertEquals(3, expected.size());
        assertNotEquals(expected.get(0).metrics().get("loss"), expected.get(2).metrics().get("loss"), "the weights moved");
        assertTrue(expected.get(1).metrics().containsKey("eval_accuracy") && expected.get(2).metrics().containsKey("eval_loss"));
        for (String master : List.of("local[1]", "local[2]")) {
            Path distributed = run(args, dir.resolve("reward-" + master), master);
            String traffic = lastRun.out().lines().filter(l -> l.startsWith("spark ")).findFirst().orElseThrow();
            assertTrue(traffic.contains("3 steps") && traffic.contains("(5 micro-batches)"), traffic);
            assertEquals(expected, metrics(distributed), master);
            assertSameFile(single.resolve("model/model.safetensors"), distributed.resolve("model/model.safetensors"), master);
        }
    }

    /** DPO through LoRA adapters against the policy with its adapters off: no master, local[1] and local[2]. */
    @Test
    void dpoWithLoraIsBitIdenticalWithoutSparkAndOnOneOrTwoExecutorThreads() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path pairs = TinyRunFiles.preferences(dir.resolve("pairs.jsonl"));
        List<String> args = List.of("dpo", "--model", model.toString(), "--data", pairs.toString(), "--seed", "7", "--max-steps", "3",
                "--per-device-train-batch-size", "2", "--gradient-accumulation-steps", "2", "--learning-rate", "5e-2",
                "--lora-r", "4", "--reference", "lora-disabled", "--quiet");
        Path single = run(args, dir.resolve("single"), null);
        List<MetricsRow> expected = metrics(single);
        assertEquals(3, expected.size());
        assertNotEquals(0.0, expected.get(2).metrics().get("rewards/margins"), "the adapters moved away from the reference");
        for (String master : List.of("local[1]", "local[2]")) {
            Path distributed = run(args, dir.resolve("dpo-" + master), master);
            String traffic = lastRun.out().lines().filter(l -> l.startsWith("spark ")).findFirst().orElseThrow();
            System.out.println(traffic);
            assertTrue(traffic.contains("3 steps") && traffic.contains("(6 micro-batches)"), traffic);
            assertEquals(expected, metrics(distributed), master);
            assertSameFile(single.resolve("adapter/adapter_model.safetensors"), distributed.resolve("adapter/adapter_model.safetensors"), master);
        }
    }

    /** Runs the command into {@code out}, with {@code --master} when not null; returns the run folder. */
    private static Path run(List<String> args, Path out, String master) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--out", out.toString()));
        if (master != null) {
            all.addAll(List.of("--master", master));
        }
        CommandRun r = CommandRun.of(all.toArray(String[]::new));
        lastRun = r;
        assertEquals(0, r.exit(), () -> String.join(" ", all) + "\n" + r.out() + r.err());
        return out;
    }

    static List<MetricsRow> metrics(Path run) {
        return MetricsLog.read(run.resolve("metrics.jsonl")).stream().map(MetricsRow::withoutWallClock).toList();
    }

    static void assertSameFile(Path expected, Path actual, String master) throws IOException {
        assertTrue(Files.exists(actual), actual.toString());
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(actual), master + ": " + actual);
    }

    /** {@link TinyRunFiles#model}'s shape with dropout 0.1 everywhere. */
    private static Path dropoutModel(Path dir) {
        int eos = TinyRunFiles.TOKENIZER.eosTokenId();
        Gpt2Config config = new Gpt2Config(2, 2, 16, 64, TinyRunFiles.TOKENIZER.vocabSize(), 1e-5, "gelu_new", "float32", eos, eos,
                0.1, 0.1, 0.1);
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 3);
        try {
            model.save(dir);
            TokenizerFiles.save(TinyRunFiles.TOKENIZER, dir);
        } finally {
            model.release();
        }
        return dir;
    }
}
