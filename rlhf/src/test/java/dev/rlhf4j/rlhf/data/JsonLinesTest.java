package dev.rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading TRL's three dataset shapes, and every kind of malformed line refused with its file, line and key. */
class JsonLinesTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    /** The error message of reading {@code text} as the given format. */
    private String error(String text, DatasetFormat<?> format) throws IOException {
        Path f = file("bad.jsonl", text);
        String message = assertThrows(DatasetException.class, () -> JsonLines.read(f, format)).getMessage();
        assertTrue(message.startsWith(f.toString()), () -> "names the file: " + message);
        return message;
    }

    @Test
    void readsEachShapeInOrderIgnoringExtraKeys() throws IOException {
        Path sft = file("sft.jsonl", "{\"prompt\": \"Q: 2+2?\", \"completion\": \" A: 4\", \"id\": 7}\n"
                + "{\"completion\": \"tail\\n\\u00e9\\ud83d\\ude00\", \"prompt\": \"x\"}\n");
        assertEquals(List.of(new SftRecord("Q: 2+2?", " A: 4"), new SftRecord("x", "tail\né\uD83D\uDE00")),
                JsonLines.readSft(sft));
        Path pairs = file("pairs.jsonl", "{\"prompt\": \"p\", \"chosen\": \"good\", \"rejected\": \"bad\", \"source\": [1]}");
        assertEquals(List.of(new PreferenceRecord("p", "good", "bad")), JsonLines.readPreferences(pairs));
        Path prompts = file("prompts.jsonl", "{\"prompt\": \"one\"}\r\n{\"prompt\": \"two\"}\r\n");
        assertEquals(List.of(new PromptRecord("one"), new PromptRecord("two")), JsonLines.readPrompts(prompts));
    }

    @Test
    void skipsBlankLinesAtTheEndAndAByteOrderMark() throws IOException {
        Path f = file("tail.jsonl", "\uFEFF{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n\n   \n\t\n");
        assertEquals(List.of(new PromptRecord("a"), new PromptRecord("b")), JsonLines.readPrompts(f));
    }

    @Test
    void refusesABlankLineBetweenRecords() throws IOException {
        String m = error("{\"prompt\": \"a\"}\n\n  \n{\"prompt\": \"b\"}\n", DatasetFormat.PROMPT);
        assertTrue(m.endsWith(", line 2: blank line between records (blank lines are allowed only at the end of the file)"), m);
    }

    @Test
    void refusesAnEmptyFile() throws IOException {
        assertTrue(error("", DatasetFormat.SFT).endsWith(" is empty: a prompt-completion dataset needs at least one line"
                + " with the keys [prompt, completion]"));
        assertTrue(error("\n \n", DatasetFormat.PREFERENCE).contains(" is empty: a preference dataset"));
    }

    @Test
    void namesTheLineOfTextThatIsNotJson() throws IOException {
        String m = error("{\"prompt\": \"a\"}\n{\"prompt\": \"b\"\n", DatasetFormat.PROMPT);
        assertTrue(m.contains(", line 2: not valid JSON: "), m);
        assertTrue(error("{\"prompt\": 'single'}", DatasetFormat.PROMPT).contains(", line 1: not valid JSON: "));
    }

    @Test
    void refusesTrailingTextAfterTheObject() throws IOException {
        assertTrue(error("{\"prompt\": \"a\"} x\n", DatasetFormat.PROMPT).contains(", line 1: not valid JSON: "));
        assertTrue(error("{\"prompt\": \"a\"}{\"prompt\": \"b\"}\n", DatasetFormat.PROMPT).contains(", line 1: not valid JSON: "));
    }

    @Test
    void refusesADuplicateKey() throws IOException {
        String m = error("{\"prompt\": \"a\", \"prompt\": \"b\"}", DatasetFormat.PROMPT);
        assertTrue(m.contains(", line 1: not valid JSON: Duplicate field 'prompt'"), m);
    }

    @Test
    void namesAMissingKey() throws IOException {
        String m = error("{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completon\": \"b\"}\n",
                DatasetFormat.SFT);
        assertTrue(m.endsWith(", line 2: missing key \"completion\" (a prompt-completion line has the keys [prompt,"
                + " completion])"), m);
        m = error("{\"prompt\": \"p\", \"chosen\": \"c\"}", DatasetFormat.PREFERENCE);
        assertTrue(m.endsWith(", line 1: missing key \"rejected\" (a preference line has the keys [prompt, chosen,"
                + " rejected])"), m);
    }

    @Test
    void namesAKeyOfTheWrongType() throws IOException {
        assertTrue(error("{\"prompt\": 12}", DatasetFormat.PROMPT)
                .endsWith(", line 1: key \"prompt\" must be a string, got a number (12)"));
        assertTrue(error("{\"prompt\": \"p\", \"chosen\": true, \"rejected\": \"r\"}", DatasetFormat.PREFERENCE)
                .endsWith(", line 1: key \"chosen\" must be a string, got a boolean (true)"));
        assertTrue(error("{\"prompt\": null, \"completion\": \"c\"}", DatasetFormat.SFT)
                .endsWith(", line 1: key \"prompt\" must be a string, got null"));
        assertTrue(error("{\"prompt\": {\"text\": \"p\"}}", DatasetFormat.PROMPT)
                .endsWith(", line 1: key \"prompt\" must be a string, got an object ({\"text\":\"p\"})"));
        String m = error("{\"prompt\": [{\"role\": \"user\", \"content\": \"hi\"}]}", DatasetFormat.PROMPT);
        assertTrue(m.contains(", line 1: key \"prompt\" must be a string, got an array ("), m);
        assertTrue(m.endsWith("(the conversational format, a list of messages, is not supported)"), m);
    }

    @Test
    void refusesAnEmptyString() throws IOException {
        assertTrue(error("{\"prompt\": \"p\", \"completion\": \"\"}", DatasetFormat.SFT)
                .endsWith(", line 1: key \"completion\" is an empty string"));
    }

    @Test
    void refusesALineThatIsNotAnObject() throws IOException {
        assertTrue(error("{\"prompt\": \"a\"}\n[\"a\"]\n", DatasetFormat.PROMPT)
                .endsWith(", line 2: expected a JSON object with the keys [prompt], got an array ([\"a\"])"));
        assertTrue(error("\"just text\"", DatasetFormat.PROMPT)
                .endsWith(", line 1: expected a JSON object with the keys [prompt], got a string (\"just text\")"));
    }

    @Test
    void namesTheLineOfBytesThatAreNotUtf8() throws IOException {
        Path f = dir.resolve("latin1.jsonl");
        byte[] first = "{\"prompt\": \"a\"}\n{\"prompt\": \"caf".getBytes(StandardCharsets.US_ASCII);
        byte[] rest = "\"}\n".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[first.length + 1 + rest.length];
        System.arraycopy(first, 0, all, 0, first.length);
        all[first.length] = (byte) 0xE9;                            // 'é' in Latin-1, invalid alone in UTF-8
        System.arraycopy(rest, 0, all, first.length + 1, rest.length);
        Files.write(f, all);
        String m = assertThrows(DatasetException.class, () -> JsonLines.readPrompts(f)).getMessage();
        assertEquals(f + ", line 2: not valid UTF-8", m);
    }

    @Test
    void namesAMissingFile() {
        Path f = dir.resolve("nowhere.jsonl");
        assertEquals("dataset file " + f + " does not exist",
                assertThrows(DatasetException.class, () -> JsonLines.readSft(f)).getMessage());
    }

    @Test
    void writesOneObjectPerLineWithTheKeysInOrder() throws IOException {
        Path f = dir.resolve("out.jsonl");
        JsonLines.write(f, DatasetFormat.PREFERENCE, List.of(new PreferenceRecord("p\n", "c\"", "r")));
        assertEquals("{\"prompt\":\"p\\n\",\"chosen\":\"c\\\"\",\"rejected\":\"r\"}\n", Files.readString(f));
    }
}
