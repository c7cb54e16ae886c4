package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.assembly.ModelDirectory;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy and a reward model must share one tokenizer, not only its size: reward-model tokenizer files that define
 * another merge order are refused naming both folders; the same tokens and merges are accepted whatever the files'
 * layout; a reward-model folder without tokenizer files is checked by vocabulary size alone.
 */
class SharedTokenizerTest {
    @TempDir
    Path dir;

    /** A reward model made from the tiny policy in {@code model}, saved in {@code rm} with the policy's tokenizer files. */
    private static Path rewardModel(Path model, Path rm) throws IOException {
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.fromPretrained(model);
        RewardModel scorer = RewardModel.fromLm(lm, 1);
        lm.release();
        scorer.save(rm);
        scorer.release();
        for (String file : List.of("vocab.json", "merges.txt")) {
            Files.copy(model.resolve(file), rm.resolve(file));
        }
        return rm;
    }

    /** merges.txt with one merge line moved down past the next independent one: the same merges in another order. */
    private static String swapTwoMerges(String merges) {
        List<String> lines = new ArrayList<>(List.of(merges.split("\n")));
        for (int i = 1; i + 1 < lines.size(); i++) {
            String merged = lines.get(i).replace(" ", "");
            if (!List.of(lines.get(i + 1).split(" ")).contains(merged)) {
                String a = lines.get(i);
                lines.set(i, lines.get(i + 1));
                lines.set(i + 1, a);
                return String.join("\n", lines) + "\n";
            }
        }
        throw new IllegalStateException("no two independent merges in a row");
    }

    @Test
    void aRewardModelWithAnotherMergeOrderIsRefusedNamingBothFolders() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path rm = rewardModel(model, dir.resolve("rm"));
        Path merges = rm.resolve("merges.txt");
        Files.writeString(merges, swapTwoMerges(Files.readString(merges, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertEquals(TinyRunFiles.TOKENIZER.vocabSize(), TokenizerFiles.load(rm).vocabSize(), "the same vocabulary size");
        CommandRun r = CommandRun.of("ppo", "--model", model.toString(), "--reward-model", rm.toString(), "--data",
                TinyRunFiles.prompts(dir.resolve("p.jsonl")).toString(), "--out", dir.resolve("run").toString(), "--quiet");
        assertEquals(1, r.exit(), r.err());
        String m = r.err().strip();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains("--reward-model " + rm + " has another tokenizer than the policy (--model " + model + "), merge "), m);
        assertTrue(m.contains("they must share one tokenizer"), m);
        assertFalse(Files.exists(dir.resolve("run").resolve("metrics.jsonl")), "no training on mismatched tokenizers");

        CommandRun grpo = CommandRun.of("grpo", "--model", model.toString(), "--reward-model", rm.toString(), "--data",
                TinyRunFiles.prompts(dir.resolve("p.jsonl")).toString(), "--out", dir.resolve("grpo").toString(), "--quiet",
                "--per-device-train-batch-size", "4", "--num-generations", "2", "--max-completion-length", "4");
        assertEquals(1, grpo.exit(), grpo.err());
        assertTrue(grpo.err().contains("has another tokenizer than the policy"), grpo.err());
    }

    @Test
    void theSameTokensAndMergesAreAcceptedInAnyFileLayoutAndNoFilesMeansTheSizeAlone() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path rm = rewardModel(model, dir.resolve("rm"));
        Gpt2Tokenizer policy = TokenizerFiles.load(model);
        int v = policy.vocabSize();
        ModelDirectory.requireSameTokenizer(policy, model, v, v, "--reward-model", rm);
        // vocab.json as Hugging Face's tokenizers may write it: indented, non-ASCII tokens as UTF-8 instead of \\u escapes
        ObjectMapper json = new ObjectMapper();
        Files.writeString(rm.resolve("vocab.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(
                json.readTree(rm.resolve("vocab.json").toFile())), StandardCharsets.UTF_8);
        assertFalse(Files.readString(rm.resolve("vocab.json")).equals(Files.readString(model.resolve("vocab.json"))), "other bytes");
        ModelDirectory.requireSameTokenizer(policy, model, v, v, "--reward-model", rm);
        Files.delete(rm.resolve("vocab.json"));
        Files.delete(rm.resolve("merges.txt"));
        ModelDirectory.requireSameTokenizer(policy, model, v, v, "--reward-model", rm);
        String size = assertThrows(IllegalArgumentException.class,
                () -> ModelDirectory.requireSameTokenizer(policy, model, v, v + 1, "--reward-model", rm)).getMessage();
        assertTrue(size.contains("has a vocabulary of " + (v + 1) + " tokens, the policy (--model " + model + ") " + v), size);
    }

    @Test
    void firstDifferenceNamesTheFirstTokenOrMergeThatDiffers() throws IOException {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Gpt2Tokenizer policy = TokenizerFiles.load(model);
        assertTrue(policy.firstDifference(TinyRunFiles.TOKENIZER).isEmpty());
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.copy(model.resolve("vocab.json"), other.resolve("vocab.json"));
        String merges = Files.readString(model.resolve("merges.txt"), StandardCharsets.UTF_8);
        Files.writeString(other.resolve("merges.txt"), swapTwoMerges(merges), StandardCharsets.UTF_8);
        String d = policy.firstDifference(TokenizerFiles.load(other)).orElseThrow();
        assertTrue(d.matches("merge \\d+: \".+\" vs \".+\""), d);
        assertTrue(policy.firstDifference(Gpt2Tokenizer.gpt2()).orElseThrow().startsWith("vocabulary of " + policy.vocabSize() + " vs 50257"));
    }
}
