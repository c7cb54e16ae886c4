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
        assertEquals(2, missing.exit(), "a missing input is a usage error");
        assertTrue(missing.err().contains("--jsonl") && missing.err().contains("no such file") && missing.err().contains("absent.jsonl")
                && missing.err().contains("Usage:"), missing.err());
    }

    @Test
    void aDirectoryOrFifoWhereAFileBelongsIsAUsageErrorNotAHang() throws Exception {
        CommandRun directory = CommandRun.of("tokenize", "--jsonl", dir.toString());
        assertEquals(2, directory.exit());
        assertTrue(directory.err().contains("--jsonl") && directory.err().contains("is a directory, expected a file"), directory.err());
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        CommandRun pipe = CommandRun.of("tokenize", "--jsonl", fifo.toString());
        assertEquals(2, pipe.exit());
        assertTrue(pipe.err().contains("is not a regular file"), pipe.err());
        CommandRun fileAsModel = CommandRun.of("forward", "--model", fifo.toString(), "--ids", "1");
        assertEquals(2, fileAsModel.exit());
        assertTrue(fileAsModel.err().contains("--model") && fileAsModel.err().contains("expected a directory"), fileAsModel.err());
    }

    @Test
    void idsAreExactIntegersInTheVocabularyAndLinesAreUtf8() throws IOException {
        String[][] cases = {
            {"[1, \"2\"]", "line 1: id 1 must be an integer", "(a string)"},
            {"[1, 2.5]", "line 1: id 1 must be an integer", "(a fraction)"},
            {"[true]", "line 1: id 0 must be an integer", "(a boolean)"},
            {"[4294967296]", "line 1: id 0 must be an integer", "out of range"},
            {"[50257]", "line 1: id 0 = 50257 is outside the vocabulary [0, 50257)", ""},
            {"[1] [2]", "line 1: invalid JSON", "Trailing token"},
        };
        for (String[] c : cases) {
            Path bad = Files.writeString(dir.resolve("ids.jsonl"), c[0] + "\n");
            CommandRun r = CommandRun.of("tokenize", "--decode", "--jsonl", bad.toString());
            assertEquals(1, r.exit(), c[0]);
            assertTrue(r.err().contains("ids.jsonl " + c[1]) && r.err().contains(c[2]), c[0] + " -> " + r.err());
        }
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, new byte[] {'"', 'o', 'k', '"', '\n', '"', (byte) 0xE9, '"', '\n'});
        CommandRun r = CommandRun.of("tokenize", "--jsonl", latin1.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("latin1.jsonl line 2: not valid UTF-8"), r.err());
    }
}
