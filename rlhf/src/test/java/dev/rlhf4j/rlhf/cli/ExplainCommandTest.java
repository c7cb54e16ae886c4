package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code explain} on a model folder and data files of one's own, and its errors. */
class ExplainCommandTest {
    @Test
    void explainsEveryAlgorithmOnAGivenModelAndData(@TempDir Path dir) throws Exception {
        Path model = TinyRunFiles.model(Files.createDirectory(dir.resolve("model")));
        Path prompts = TinyRunFiles.prompts(dir.resolve("prompts.jsonl"));
        Path pairs = TinyRunFiles.preferences(dir.resolve("pairs.jsonl"));
        for (String algorithm : ExplainCommand.ALGORITHMS) {
            Path data = algorithm.equals("dpo") ? pairs : prompts;
            Path md = dir.resolve(algorithm + ".md");
            CommandRun run = CommandRun.of("explain", algorithm, "--model", model.toString(), "--data", data.toString(), "--seed", "3",
                    "--markdown", md.toString());
            assertEquals(0, run.exit(), algorithm + ": " + run.err());
            assertTrue(run.out().startsWith("rlhf4j explain " + algorithm), run.out());
            assertTrue(Files.readString(md).startsWith("### `rlhf4j explain " + algorithm + "`"), algorithm);
        }
    }

    @Test
    void anUnknownAlgorithmOrTooLittleDataIsAClearError(@TempDir Path dir) throws Exception {
        CommandRun unknown = CommandRun.of("explain", "sft");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no algorithm 'sft' to explain; there are ppo, grpo, rloo, dpo"), unknown.err());
        Path model = TinyRunFiles.model(Files.createDirectory(dir.resolve("model")));
        Path one = dir.resolve("one.jsonl");
        Files.writeString(one, "{\"prompt\": \"the fox\"}\n");
        CommandRun few = CommandRun.of("explain", "ppo", "--model", model.toString(), "--data", one.toString());
        assertEquals(1, few.exit());
        assertTrue(few.err().contains("4 prompts, the dataset has 1"), few.err());
    }
}
