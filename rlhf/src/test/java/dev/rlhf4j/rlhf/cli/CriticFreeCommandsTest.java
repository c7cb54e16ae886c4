package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.MetricsLog;
import dev.rlhf4j.rlhf.run.MetricsRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grpo} and {@code rloo} end to end on a tiny model ({@link TinyRunFiles}): rule rewards by name with weights, a
 * reward model, beta 0 without a reference, a synchronised reference; the run folder's config.json, metrics.jsonl,
 * plots and saved model; and the errors of a missing or unknown reward.
 */
class CriticFreeCommandsTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static CommandRun ok(String... args) {
        CommandRun r = CommandRun.of(args);
        assertEquals(0, r.exit(), () -> String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    private static JsonNode checkRun(Path run, String command, int steps, List<String> metrics) throws IOException {
        JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
        assertEquals(command, config.get("command").asText());
        assertEquals(7, config.get("seed").asLong());
        List<MetricsRow> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(steps, rows.size());
        for (MetricsRow row : rows) {
            for (String name : metrics) {
                assertTrue(Double.isFinite(row.metrics().getOrDefault(name, Double.NaN)), name + " in step " + row.step());
            }
        }
        assertTrue(Files.size(run.resolve("plots").resolve("loss.png")) > 0);
        Gpt2LMHeadModel.fromPretrained(run.resolve("model")).release();
        return config;
    }

    private Path rewardModel(Path model) {
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.fromPretrained(model);
        RewardModel.fromLm(lm, 1).save(dir.resolve("rm"));
        lm.release();
        return dir.resolve("rm");
    }

    @Test
    void grpoAndRlooRunEndToEndOnRuleRewardsAndARewardModel() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        String prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl")).toString();
        String rm = rewardModel(model).toString();

        Path grpo = dir.resolve("grpo");
        ok("grpo", "--model", model.toString(), "--data", prompts, "--out", grpo.toString(), "--seed", "7", "--max-steps", "2",
                "--reward-funcs", "length,eos", "--reward-weights", "1,2", "--per-device-train-batch-size", "4", "--num-generations", "2",
                "--max-completion-length", "4", "--learning-rate", "1e-3", "--quiet");
        JsonNode config = checkRun(grpo, "grpo", 2, List.of("loss", "reward", "reward_std", "frac_reward_zero_std", "rewards/length/mean",
                "rewards/length/std", "rewards/eos/mean", "rewards/eos/std", "entropy", "clip_ratio/region_mean", "completions/mean_length",
                "completions/clipped_ratio", "num_tokens", "learning_rate", "time/generation"));
        assertEquals("none (beta 0)", config.get("models").get("reference").asText());
        assertEquals("DAPO", config.get("trainer").get("loss_type").asText());
        assertEquals(List.of("length", "eos"), List.of(config.get("rewards").get("reward_funcs").get(0).asText(),
                config.get("rewards").get("reward_funcs").get(1).asText()));
        assertEquals(2.0, config.get("rewards").get("reward_weights").get(1).asDouble());
        assertFalse(MetricsLog.read(grpo.resolve("metrics.jsonl")).get(0).metrics().containsKey("kl"), "no reference, no kl");

        Path synced = dir.resolve("grpo-sync");
        ok("grpo", "--model", model.toString(), "--data", prompts, "--out", synced.toString(), "--seed", "7", "--max-steps", "1",
                "--reward-model", rm, "--reward-funcs", "eos", "--beta", "0.04", "--loss-type", "dr_grpo", "--scale-rewards", "none",
                "--sync-ref-model", "true", "--ref-model-sync-steps", "1", "--num-iterations", "2", "--per-device-train-batch-size", "4",
                "--num-generations", "4", "--max-completion-length", "4", "--quiet");
        config = checkRun(synced, "grpo", 1, List.of("kl", "rewards/reward_model/mean", "rewards/eos/mean"));
        assertEquals("synchronized", config.get("models").get("reference").asText());
        assertEquals("DR_GRPO", config.get("trainer").get("loss_type").asText());

        Path lora = dir.resolve("grpo-lora");
        ok("grpo", "--model", model.toString(), "--data", prompts, "--out", lora.toString(), "--seed", "7", "--max-steps", "1",
                "--reward-funcs", "length", "--beta", "0.04", "--reference", "lora-disabled", "--lora-r", "2",
                "--per-device-train-batch-size", "4", "--num-generations", "2", "--max-completion-length", "4", "--quiet");
        assertEquals("lora-disabled", JSON.readTree(lora.resolve("config.json").toFile()).get("models").get("reference").asText());
        assertTrue(Files.exists(lora.resolve("adapter").resolve("adapter_config.json")), "LoRA: the adapters are saved");
        assertTrue(Double.isFinite(MetricsLog.read(lora.resolve("metrics.jsonl")).get(0).metrics().get("kl")));

        Path rloo = dir.resolve("rloo");
        ok("rloo", "--model", model.toString(), "--data", prompts, "--out", rloo.toString(), "--seed", "7", "--max-steps", "2",
                "--reward-model", rm, "--per-device-train-batch-size", "4", "--num-generations", "2", "--max-completion-length", "4",
                "--normalize-advantages", "true", "--reference", "bf16", "--quiet");
        config = checkRun(rloo, "rloo", 2, List.of("loss", "reward", "rewards/reward_model/mean", "kl", "entropy", "clip_ratio/region_mean",
                "completions/mean_length", "num_tokens", "learning_rate"));
        assertEquals("bf16", config.get("models").get("reference").asText());
        assertTrue(config.get("trainer").get("normalize_advantages").asBoolean());
        assertEquals(0.05, config.get("trainer").get("beta").asDouble(), "TRL's RLOO default beta");
    }

    @Test
    void aMissingOrUnknownRewardIsAnErrorNamingTheBuiltInRules() {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        String prompts = TinyRunFiles.prompts(dir.resolve("p.jsonl")).toString();
        CommandRun none = CommandRun.of("grpo", "--model", model.toString(), "--data", prompts, "--out", dir.resolve("a").toString(), "--quiet");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("no reward: give --reward-model DIR and/or --reward-funcs") && none.err().contains("[eos, length]"),
                none.err());
        CommandRun unknown = CommandRun.of("rloo", "--model", model.toString(), "--data", prompts, "--reward-funcs", "length,nope",
                "--out", dir.resolve("b").toString(), "--quiet");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no rule reward 'nope'; the built-in ones are [eos, length]"), unknown.err());
        CommandRun weights = CommandRun.of("grpo", "--model", model.toString(), "--data", prompts, "--reward-funcs", "length",
                "--reward-weights", "1,2", "--out", dir.resolve("c").toString(), "--quiet");
        assertEquals(1, weights.exit());
        assertTrue(weights.err().contains("--reward-weights has 2 weights for 1 rewards"), weights.err());
        CommandRun groups = CommandRun.of("grpo", "--model", model.toString(), "--data", prompts, "--reward-funcs", "length",
                "--per-device-train-batch-size", "3", "--num-generations", "2", "--quiet");
        assertEquals(2, groups.exit(), "a config the record refuses is a usage error");
        assertTrue(groups.err().startsWith("GroupBatching: per_device_train_batch_size x gradient_accumulation_steps (3)"), groups.err());
    }

    @Test
    void theBuiltInRulesScoreTheDecodedCompletion() {
        var tokenizer = TinyRunFiles.TOKENIZER;
        int eos = tokenizer.eosTokenId();
        int[] prompt = tokenizer.encode("the quick");
        int[] finished = concat(tokenizer.encode(" fox runs."), new int[] {eos});
        int[] open = tokenizer.encode(" fox runs and runs");
        var batch = dev.rlhf4j.rlhf.data.CompletionBatch.of(List.of(new dev.rlhf4j.rlhf.data.CompletionExample(prompt, finished),
                new dev.rlhf4j.rlhf.data.CompletionExample(prompt, open)), eos);
        double[] eosScores = dev.rlhf4j.rlhf.reward.RuleRewards.named("eos").decodedBy(tokenizer::decode).scores(batch).toDoubleArray();
        double[] lengths = dev.rlhf4j.rlhf.reward.RuleRewards.named("length").decodedBy(tokenizer::decode).scores(batch).toDoubleArray();
        assertEquals(List.of(1.0, 0.0), List.of(eosScores[0], eosScores[1]), "only the completion ending with EOS is paid");
        assertEquals(List.of(" fox runs.".length() / 100.0, " fox runs and runs".length() / 100.0), List.of(lengths[0], lengths[1]),
                "characters / 100, the EOS text not counted");
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void helpListsEveryHyperParameterWithTrlDefaults() {
        String grpo = ok("grpo", "--help").out().replaceAll("\\s+", " ");
        for (String option : HyperParameters.optionNames(dev.rlhf4j.rlhf.train.GrpoConfig.class)) {
            assertTrue(grpo.contains(option + "="), "grpo --help lists " + option);
        }
        assertTrue(grpo.contains("(TRL's loss_type; default: dapo)") && grpo.contains("(TRL's num_generations; default: 8)")
                && grpo.contains("--reward-funcs=NAME"), grpo);
        String rloo = ok("rloo", "--help").out().replaceAll("\\s+", " ");
        for (String option : HyperParameters.optionNames(dev.rlhf4j.rlhf.train.RlooConfig.class)) {
            assertTrue(rloo.contains(option + "="), "rloo --help lists " + option);
        }
        assertTrue(rloo.contains("(TRL's beta; default: 0.05)") && rloo.contains("(TRL's num_generations; default: 2)"), rloo);
    }
}
