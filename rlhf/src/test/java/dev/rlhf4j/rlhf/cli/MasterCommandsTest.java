package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.MetricsLog;
import dev.rlhf4j.rlhf.run.MetricsRow;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --master local[2]} on {@code grpo} (a reward model, rule rewards by name, a bf16 reference) and {@code ppo}
 * (LoRA, the base as the reference): the run folder's metrics, but for the wall-clock ones, and the saved weights are
 * those of the run without {@code --master}; a reference that follows the policy is refused naming its option.
 */
class MasterCommandsTest {
    @TempDir
    Path dir;

    private static void ok(List<String> args) {
        CommandRun r = CommandRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exit(), () -> String.join(" ", args) + "\n" + r.out() + r.err());
    }

    private static List<Map<String, Double>> metrics(Path run) throws IOException {
        List<Map<String, Double>> out = new ArrayList<>();
        for (MetricsRow row : MetricsLog.read(run.resolve("metrics.jsonl"))) {
            Map<String, Double> kept = new LinkedHashMap<>();
            row.metrics().forEach((k, v) -> {
                if (!MetricsRow.isWallClock(k)) {
                    kept.put(k, v);
                }
            });
            out.add(kept);
        }
        return out;
    }

    private static void assertSameWeights(Path a, Path b) {
        Gpt2LMHeadModel x = Gpt2LMHeadModel.fromPretrained(a);
        Gpt2LMHeadModel y = Gpt2LMHeadModel.fromPretrained(b);
        Map<String, Tensor> py = y.namedParameters();
        x.namedParameters().forEach((name, t) -> assertArrayEquals(t.toDoubleArray(), py.get(name).toDoubleArray(), name));
        x.release();
        y.release();
    }

    private Path rewardModel(Path model) {
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.fromPretrained(model);
        RewardModel.fromLm(lm, 1).save(dir.resolve("rm"));
        lm.release();
        return dir.resolve("rm");
    }

    @Test
    void grpoAndPpoWithMasterLocalThreadsLogTheMetricsOfTheSingleProcessRun() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        String prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl")).toString();
        String rm = rewardModel(model).toString();
        for (String command : List.of("grpo", "ppo")) {
            List<List<Map<String, Double>>> runs = new ArrayList<>();
            for (String master : new String[] {null, "local[2]"}) {
                Path out = dir.resolve(command + (master == null ? "-single" : "-spark"));
                List<String> args = new ArrayList<>(List.of(command, "--model", model.toString(), "--data", prompts, "--out", out.toString(),
                        "--seed", "7", "--max-steps", "2", "--reward-model", rm, "--per-device-train-batch-size", "4",
                        "--local-rollout-forward-batch-size", "3", "--learning-rate", "1e-2", "--quiet"));
                args.addAll(command.equals("grpo")
                        ? List.of("--reward-funcs", "length,eos", "--num-generations", "2", "--max-completion-length", "4", "--beta", "0.04",
                                "--reference", "bf16")
                        : List.of("--response-length", "4", "--critic", "shared", "--lora-r", "4", "--reference", "lora-disabled"));
                if (master != null) {
                    args.addAll(List.of("--master", master));
                }
                ok(args);
                runs.add(metrics(out));
            }
            assertEquals(2, runs.get(0).size());
            assertEquals(runs.get(0), runs.get(1), command + ": the metrics with --master local[2] are the single-process run's");
            if (command.equals("grpo")) {
                assertNotEquals(0.0, runs.get(0).get(1).get("kl"), "the reference was used");
                assertTrue(runs.get(0).get(0).containsKey("rewards/eos/mean"));
                assertSameWeights(dir.resolve("grpo-single").resolve("model"), dir.resolve("grpo-spark").resolve("model"));
            }
        }
    }

    @Test
    void aSynchronizedReferenceIsRefusedWithMaster() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        CommandRun r = CommandRun.of("grpo", "--model", model.toString(), "--data", TinyRunFiles.prompts(dir.resolve("p.jsonl")).toString(),
                "--out", dir.resolve("sync").toString(), "--reward-funcs", "eos", "--beta", "0.04", "--sync-ref-model", "true",
                "--master", "local[1]", "--quiet");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("--sync-ref-model true cannot run with --master"), r.err());
    }
}
