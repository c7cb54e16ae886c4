package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rlhf4j tokenize}: GPT-2 ids for JSON-lines strings, the reverse with --decode, and clear errors. */
class TokenizeCommandTest {
    @TempDir
    Path dir;

    @Test
    void encodesToGpt2IdsAndDecodesBack() throws IOException {
        Path strings = Files.writeString(dir.resolve("in.jsonl"), "\"Hello world\"\n\"caf\\u00e9 \\ud83d\\ude00\"\n");
        CommandRun encoded = CommandRun.of("tokenize", "--jsonl", strings.toString());
        assertEquals(0, encoded.exit(), encoded.err());
        String[] lines = encoded.out().split("\n");
        assertEquals("[15496,995]", lines[0]);                        // OpenAI's ids for "Hello world"
        Path ids = Files.writeString(dir.resolve("ids.jsonl"), encoded.out());
        CommandRun decoded = CommandRun.of("tokenize", "--decode", "--jsonl", ids.toString());
        assertEquals(0, decoded.exit(), decoded.err());
        assertEquals("\"Hello world\"\n\"café 😀\"\n", decoded.out());
    }

    @Test
    void badInputNamesTheFileAndLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "\"fine\"\n{oops\n");
        CommandRun r = CommandRun.of("tokenize", "--jsonl", bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("bad.jsonl line 2: invalid JSON"), r.err());
        CommandRun missing = CommandRun.of("tokenize", "--jsonl", dir.resolve("absent.jsonl").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no such file") && missing.err().contains("absent.jsonl"), missing.err());
    }
}
