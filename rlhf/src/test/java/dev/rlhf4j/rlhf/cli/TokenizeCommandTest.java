package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rlhf4j tokenize}: GPT-2 ids for JSON-lines strings, the reverse with --decode, and clear errors. */
class TokenizeCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void encodesToGpt2IdsAndDecodesBack() throws IOException {
        Path strings = Files.writeString(dir.resolve("in.jsonl"), "\"Hello world\"\n\"caf\\u00e9 \\ud83d\\ude00\"\n");
        Run encoded = run("tokenize", "--jsonl", strings.toString());
        assertEquals(0, encoded.exit(), encoded.err());
        String[] lines = encoded.out().split("\n");
        assertEquals("[15496,995]", lines[0]);                        // OpenAI's ids for "Hello world"
        Path ids = Files.writeString(dir.resolve("ids.jsonl"), encoded.out());
        Run decoded = run("tokenize", "--decode", "--jsonl", ids.toString());
        assertEquals(0, decoded.exit(), decoded.err());
        assertEquals("\"Hello world\"\n\"café 😀\"\n", decoded.out());
    }

    @Test
    void badInputNamesTheFileAndLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "\"fine\"\n{oops\n");
        Run r = run("tokenize", "--jsonl", bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("bad.jsonl line 2: invalid JSON"), r.err());
        Run missing = run("tokenize", "--jsonl", dir.resolve("absent.jsonl").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no such file") && missing.err().contains("absent.jsonl"), missing.err());
    }
}
