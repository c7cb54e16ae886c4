package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.MetricsLog;
import dev.rlhf4j.rlhf.run.MetricsRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sft}, {@code reward}, {@code ppo} and {@code dpo} end to end on a tiny model: each run folder's
 * config.json, metrics.jsonl, plots and saved model; the same seed's metrics twice; bad data and bad options.
 */
class TrainCommandsTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static CommandRun ok(String... args) {
        CommandRun r = CommandRun.of(args);
        assertEquals(0, r.exit(), () -> String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    /** The run folder's config, metrics and plots; returns the metric rows. */
    private static List<MetricsRow> checkRun(Path run, String command, int steps, List<String> metrics) throws IOException {
        JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
        assertEquals(command, config.get("command").asText());
        assertEquals(7, config.get("seed").asLong());
        List<MetricsRow> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(steps, rows.size());
        for (int i = 0; i < steps; i++) {
            assertEquals(i + 1, rows.get(i).step());
            for (String name : metrics) {
                assertTrue(Double.isFinite(rows.get(i).metrics().getOrDefault(name, Double.NaN)), name + " in step " + (i + 1));
            }
        }
        assertTrue(Files.size(run.resolve("plots").resolve("loss.png")) > 0);
        return rows;
    }

    @Test
    void sftRewardPpoAndDpoRunEndToEnd() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path pairs = TinyRunFiles.preferences(dir.resolve("pairs.jsonl"));

        Path sft = dir.resolve("sft");
        CommandRun s = ok("sft", "--model", model.toString(), "--data", TinyRunFiles.sft(dir.resolve("sft.jsonl")).toString(),
                "--out", sft.toString(), "--seed", "7", "--max-steps", "3", "--per-device-train-batch-size", "4",
                "--learning-rate", "1e-3", "--quiet");
        assertTrue(s.out().contains("8 examples, 0 prompts truncated (left), 0 completions truncated (right)"), s.out());
        assertTrue(s.out().contains("sft: 3 steps"), s.out());
        checkRun(sft, "sft", 3, List.of("loss", "grad_norm", "learning_rate", "num_tokens", "mean_token_accuracy", "epoch"));
        JsonNode trainer = JSON.readTree(sft.resolve("config.json").toFile()).get("trainer");
        assertEquals(1e-3, trainer.get("learning_rate").asDouble());
        assertEquals(4, trainer.get("per_device_train_batch_size").asInt());
        assertEquals(8, JSON.readTree(sft.resolve("config.json").toFile()).get("data").get("examples").asInt());
        Gpt2LMHeadModel.fromPretrained(sft.resolve("model")).release();

        Path reward = dir.resolve("reward");
        ok("reward", "--model", sft.resolve("model").toString(), "--data", pairs.toString(), "--out", reward.toString(),
                "--seed", "7", "--num-train-epochs", "2", "--per-device-train-batch-size", "2", "--eval-fraction", "0.25",
                "--center-rewards-coefficient", "0.01", "--quiet");
        List<MetricsRow> rows = checkRun(reward, "reward", 6, List.of("loss", "learning_rate", "accuracy", "margin"));
        assertTrue(rows.get(2).metrics().containsKey("eval_accuracy"), "held-out accuracy after the first epoch");
        JsonNode rewardConfig = JSON.readTree(reward.resolve("config.json").toFile());
        assertEquals(0.01, rewardConfig.get("trainer").get("center_rewards_coefficient").asDouble());
        assertEquals(2, rewardConfig.get("eval_split").get("eval_pairs").asInt());
        RewardModel.fromPretrained(reward.resolve("model")).release();

        Path ppo = dir.resolve("ppo");
        ok("ppo", "--model", sft.resolve("model").toString(), "--reward-model", reward.resolve("model").toString(),
                "--data", TinyRunFiles.prompts(dir.resolve("prompts.jsonl")).toString(), "--out", ppo.toString(), "--seed", "7",
                "--max-steps", "2", "--per-device-train-batch-size", "2", "--response-length", "4", "--num-ppo-epochs", "2",
                "--kl-coef", "0.1", "--missing-eos-penalty", "1.0", "--quiet");
        checkRun(ppo, "ppo", 2, List.of("objective/kl", "objective/entropy", "objective/scores", "objective/non_score_reward",
                "objective/rlhf_reward", "policy/approxkl_avg", "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg",
                "val/clipfrac_avg", "val/ratio", "val/num_eos_tokens", "time/generation"));
        JsonNode ppoConfig = JSON.readTree(ppo.resolve("config.json").toFile());
        assertEquals(0.1, ppoConfig.get("trainer").get("kl_coef").asDouble());
        assertEquals(1.0, ppoConfig.get("trainer").get("missing_eos_penalty").asDouble());
        assertEquals("frozen", ppoConfig.get("models").get("reference").asText());
        Gpt2LMHeadModel.fromPretrained(ppo.resolve("model")).release();

        Path dpo = dir.resolve("dpo");
        ok("dpo", "--model", sft.resolve("model").toString(), "--data", pairs.toString(), "--out", dpo.toString(), "--seed", "7",
                "--max-steps", "2", "--per-device-train-batch-size", "4", "--beta", "0.2", "--loss-type", "ipo",
                "--lora-r", "2", "--reference", "lora-disabled", "--quiet");
        checkRun(dpo, "dpo", 2, List.of("loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                "logps/chosen", "logps/rejected"));
        JsonNode dpoConfig = JSON.readTree(dpo.resolve("config.json").toFile());
        assertEquals("IPO", dpoConfig.get("trainer").get("loss_type").asText());
        assertEquals(2, dpoConfig.get("lora").get("r").asInt());
        Gpt2LMHeadModel base = Gpt2LMHeadModel.fromPretrained(sft.resolve("model"));
        LoraModel adapter = LoraModel.load(base, dpo.resolve("adapter"));
        assertEquals(2, adapter.config().r());
        adapter.release();
        base.release();
    }

    @Test
    void theSameSeedGivesTheSameMetricsApartFromTheWallClock() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl"));
        Path rewardModel = dir.resolve("rm");
        new RewardModel(Gpt2LMHeadModel.fromPretrained(model).config(), dev.rlhf4j.core.DType.FLOAT32,
                TinyRunFiles.TOKENIZER.eosTokenId()).save(rewardModel);
        List<List<MetricsRow>> runs = new ArrayList<>();
        for (String out : List.of("a", "b")) {
            ok("ppo", "--model", model.toString(), "--reward-model", rewardModel.toString(), "--data", prompts.toString(),
                    "--out", dir.resolve(out).toString(), "--seed", "7", "--max-steps", "2", "--per-device-train-batch-size", "2",
                    "--response-length", "4", "--critic", "shared", "--reference", "bf16", "--learning-rate", "1e-3", "--quiet");
            runs.add(MetricsLog.read(dir.resolve(out).resolve("metrics.jsonl")));
        }
        assertTrue(runs.get(0).get(0).metrics().containsKey("tokens_per_second"));
        assertFalse(runs.get(0).get(0).withoutWallClock().metrics().containsKey("time/training"));
        assertEquals(runs.get(0).stream().map(MetricsRow::withoutWallClock).toList(),
                runs.get(1).stream().map(MetricsRow::withoutWallClock).toList());
        assertNotEquals(runs.get(0).get(0).metrics().get("objective/kl"), runs.get(0).get(1).metrics().get("objective/kl"),
                "the policy moved between iterations");
    }

    @Test
    void dpoPrecomputesTheReferenceIntoTheRunFolder() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path out = dir.resolve("dpo");
        CommandRun r = ok("dpo", "--model", model.toString(), "--data", TinyRunFiles.preferences(dir.resolve("p.jsonl")).toString(),
                "--out", out.toString(), "--seed", "7", "--max-steps", "2", "--per-device-train-batch-size", "4", "--reference",
                "precomputed", "--max-prompt-length", "1", "--quiet");
        assertTrue(Files.size(out.resolve("reference_log_probs.safetensors")) > 0);
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertTrue(config.get("trainer").get("precompute_ref_log_probs").asBoolean());
        int truncated = config.get("data").get("prompts_truncated").asInt();
        assertTrue(truncated > 0, "multi-token prompts cut to one token");
        assertTrue(r.out().contains(truncated + " prompts truncated (left)"), r.out());
        assertEquals(2, MetricsLog.read(out.resolve("metrics.jsonl")).size());
    }

    @Test
    void everyReferenceStrategyAndCriticRuns() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path pairs = TinyRunFiles.preferences(dir.resolve("pairs.jsonl"));
        Path prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl"));
        Path rm = dir.resolve("rm");
        ok("reward", "--model", model.toString(), "--data", pairs.toString(), "--eval-data", pairs.toString(), "--out", rm.toString(),
                "--max-steps", "1", "--quiet");
        assertEquals(8, JSON.readTree(rm.resolve("config.json").toFile()).get("eval_data").get("examples").asInt());
        List<String[]> ppoRuns = List.of(new String[] {"--reference", "offloaded", "--critic", "shared", "--lora-r", "2",
                "--lora-target-modules", "all-linear"}, new String[] {"--reference", "lora-disabled", "--lora-r", "2"},
                new String[] {"--reference", "fp16", "--critic", "separate"});
        for (int i = 0; i < ppoRuns.size(); i++) {
            List<String> args = new ArrayList<>(List.of("ppo", "--model", model.toString(), "--reward-model", rm.resolve("model").toString(),
                    "--data", prompts.toString(), "--out", dir.resolve("ppo" + i).toString(), "--max-steps", "1",
                    "--per-device-train-batch-size", "4", "--response-length", "3", "--quiet"));
            args.addAll(Arrays.asList(ppoRuns.get(i)));
            ok(args.toArray(String[]::new));
            assertEquals(i < 2, Files.exists(dir.resolve("ppo" + i).resolve("adapter").resolve("adapter_config.json")));
        }
        List<String[]> dpoRuns = List.of(new String[] {"--reference", "offloaded", "--loss-type", "hinge"},
                new String[] {"--reference", "bf16", "--loss-type", "robust", "--label-smoothing", "0.1"},
                new String[] {"--loss-type", "simpo"}, new String[] {"--reference-free", "true"});
        List<String> expected = List.of("offloaded", "bf16", "none (loss_type simpo)", "none (reference_free)");
        for (int i = 0; i < dpoRuns.size(); i++) {
            List<String> args = new ArrayList<>(List.of("dpo", "--model", model.toString(), "--data", pairs.toString(), "--out",
                    dir.resolve("dpo" + i).toString(), "--max-steps", "1", "--quiet"));
            args.addAll(Arrays.asList(dpoRuns.get(i)));
            ok(args.toArray(String[]::new));
            assertEquals(expected.get(i), JSON.readTree(dir.resolve("dpo" + i).resolve("config.json").toFile()).get("reference").asText());
        }
    }

    @Test
    void theHeldOutSplitIsDrawnFromTheSeed() {
        List<dev.rlhf4j.rlhf.data.PreferenceExample> pairs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pairs.add(new dev.rlhf4j.rlhf.data.PreferenceExample(new int[] {i}, new int[] {1}, new int[] {2}));
        }
        List<List<dev.rlhf4j.rlhf.data.PreferenceExample>> a = dev.rlhf4j.rlhf.assembly.RewardAssembly.split(pairs, 0.25, 7);
        assertEquals(15, a.get(0).size());
        assertEquals(5, a.get(1).size());
        assertEquals(a, dev.rlhf4j.rlhf.assembly.RewardAssembly.split(pairs, 0.25, 7));
        assertNotEquals(a.get(1), dev.rlhf4j.rlhf.assembly.RewardAssembly.split(pairs, 0.25, 8).get(1));
    }

    @Test
    void aMalformedLineIsAnErrorNamingFileAndLine() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"}\n");
        CommandRun r = CommandRun.of("sft", "--model", model.toString(), "--data", bad.toString(), "--out",
                dir.resolve("run").toString(), "--quiet");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("bad.jsonl, line 2: missing key \"completion\""), r.err());
        assertFalse(Files.exists(dir.resolve("run").resolve("metrics.jsonl")), "no run starts on bad data");
    }

    @Test
    void aRewardModelOfAnotherVocabularyIsRefusedWithBothSizes() {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path other = TinyRunFiles.model(dir.resolve("other"), TinyRunFiles.TOKENIZER.vocabSize() + 5);
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.fromPretrained(other);
        RewardModel.fromLm(lm, 1).save(dir.resolve("rm"));
        lm.release();
        CommandRun r = CommandRun.of("ppo", "--model", model.toString(), "--reward-model", dir.resolve("rm").toString(), "--data",
                TinyRunFiles.prompts(dir.resolve("p.jsonl")).toString(), "--out", dir.resolve("run").toString(), "--quiet");
        assertEquals(1, r.exit());
        int v = TinyRunFiles.TOKENIZER.vocabSize();
        assertTrue(r.err().contains((v + 5) + " tokens") && r.err().contains(" " + v + ":"), r.err());
    }

    @Test
    void helpListsEveryHyperParameterWithTrlDefaults() {
        List<Object[]> commands = List.of(
                new Object[] {"sft", dev.rlhf4j.rlhf.train.SftConfig.class, "2.0E-5"},
                new Object[] {"reward", dev.rlhf4j.rlhf.train.RewardConfig.class, "5.0E-5"},
                new Object[] {"ppo", dev.rlhf4j.rlhf.train.PpoTrainerConfig.class, "3.0E-6"},
                new Object[] {"dpo", dev.rlhf4j.rlhf.train.DpoConfig.class, "1.0E-6"});
        for (Object[] c : commands) {
            String help = ok((String) c[0], "--help").out().replaceAll("\\s+", " ");
            @SuppressWarnings("unchecked")
            Class<? extends Record> config = (Class<? extends Record>) c[1];
            for (String option : HyperParameters.optionNames(config)) {
                boolean derived = option.equals("--precompute-ref-log-probs");
                assertEquals(!derived, help.contains(option + "="), c[0] + " --help lists " + option);
            }
            assertTrue(help.contains("peak AdamW learning rate (TRL's learning_rate; default: " + c[2] + ")"), help);
            assertTrue(help.contains("--seed=N seed of data order, dropout, sampling and initialisation (default: 42)"), help);
        }
        String ppo = ok("ppo", "--help").out().replaceAll("\\s+", " ");
        assertTrue(ppo.contains("--reward-model=DIR") && ppo.contains("(TRL's target_kl; unset by default)"), ppo);
        assertTrue(ok("dpo", "--help").out().replaceAll("\\s+", " ").contains("(TRL's loss_type; default: sigmoid)"));
    }

    @Test
    void badOptionsAreUsageErrorsAndBadValuesNameTheHyperParameter() {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        String data = TinyRunFiles.preferences(dir.resolve("p.jsonl")).toString();
        for (String[] args : List.of(new String[] {"--learning-rate", "fast"}, new String[] {"--loss-type", "nope"},
                new String[] {"--no-such-option"}, new String[] {"--reference", "nope"})) {
            List<String> all = new ArrayList<>(List.of("dpo", "--model", model.toString(), "--data", data, "--quiet"));
            all.addAll(Arrays.asList(args));
            CommandRun r = CommandRun.of(all.toArray(String[]::new));
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().contains("Usage:"), r.err());
        }
        CommandRun negative = CommandRun.of("dpo", "--model", model.toString(), "--data", data, "--out", dir.resolve("r").toString(),
                "--beta", "-1", "--quiet");
        assertEquals(2, negative.exit());
        assertTrue(negative.err().startsWith("DpoConfig: beta must be > 0, got -1.0") && negative.err().contains("Usage:"), negative.err());
        assertFalse(Files.exists(dir.resolve("r")), "no run folder for a refused configuration");
        CommandRun lora = CommandRun.of("dpo", "--model", model.toString(), "--data", data, "--reference", "lora-disabled", "--quiet");
        assertEquals(1, lora.exit());
        assertTrue(lora.err().contains("--reference lora-disabled needs LoRA adapters"), lora.err());
    }
}
