package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three vocabulary formats load to the same tokenizer, a saved tokenizer loads back, and every malformed
 * input fails with a message that names the file and the line (or the id).
 */
class TokenizerFilesTest {

    private static final String[] SAMPLES = {"Hello world", "It's 2024: ¿qué tal? 你好 🤖", "  \n\tdef f(x):\n  return x**2",
        "<|endoftext|>", "Straße's naïve café; 12345678901234567890!!"};

    private static Gpt2Tokenizer gpt2;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadGpt2() {
        gpt2 = Gpt2Tokenizer.gpt2();
    }

    /** A tokenizer from an in-memory token list (ids in list order) and merges.txt text. */
    static Gpt2Tokenizer fromStrings(List<String> tokens, String merges) {
        try {
            return TokenizerFiles.fromMerges(tokens, "vocab.json",
                    new ByteArrayInputStream(merges.getBytes(StandardCharsets.UTF_8)), "merges.txt");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void copyGpt2(String vocabName, String mergesName) throws IOException {
        for (String[] copy : new String[][] {{"vocab.json", vocabName}, {"merges.txt", mergesName}}) {
            try (InputStream in = getClass().getResourceAsStream("/dev/rlhf4j/tokenizer/gpt2/" + copy[0])) {
                Files.copy(in, dir.resolve(copy[1]));
            }
        }
    }

    private static void assertSameEncodings(Gpt2Tokenizer expected, Gpt2Tokenizer actual) {
        assertEquals(expected.vocabSize(), actual.vocabSize());
        assertEquals(expected.eosTokenId(), actual.eosTokenId());
        for (String sample : SAMPLES) {
            assertArrayEquals(expected.encode(sample), actual.encode(sample), sample);
            assertArrayEquals(expected.encode(sample, expected.specialTokens()),
                    actual.encode(sample, actual.specialTokens()), sample);
        }
    }

    @Test
    void huggingFaceNamesLoadFromADirectory() throws IOException {
        copyGpt2("vocab.json", "merges.txt");
        assertSameEncodings(gpt2, Gpt2Tokenizer.load(dir));
    }

    @Test
    void openAiNamesEncoderJsonAndVocabBpeLoadTheSame() throws IOException {
        copyGpt2("encoder.json", "vocab.bpe");
        assertSameEncodings(gpt2, TokenizerFiles.load(dir));
    }

    @Test
    void tiktokenRankFileLoadsTheSameAndRecoversEveryMergeOfMergesTxt() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int id = 0; id < gpt2.vocabSize(); id++) {
            if (!gpt2.vocabulary().isSpecial(id)) {
                lines.add(Base64.getEncoder().encodeToString(gpt2.vocabulary().bytes(id)) + " " + id);
            }
        }
        Path rankFile = dir.resolve("r50k_base.tiktoken");
        Files.write(rankFile, lines);
        Gpt2Tokenizer fromRanks = TokenizerFiles.load(dir);
        assertSameEncodings(gpt2, fromRanks);
        assertSameEncodings(gpt2, TokenizerFiles.load(rankFile));
        BytePairEncoding expected = gpt2.bytePairEncoding();
        BytePairEncoding recovered = fromRanks.bytePairEncoding();
        assertEquals(50_000, recovered.mergeCount());
        for (int rank = 0; rank < expected.mergeCount(); rank++) {
            assertEquals(expected.mergeLeft(rank), recovered.mergeLeft(rank), "left of merge " + rank);
            assertEquals(expected.mergeRight(rank), recovered.mergeRight(rank), "right of merge " + rank);
        }
    }

    @Test
    void savedTokenizerLoadsBackWithTheSameFiles() throws IOException {
        Gpt2Tokenizer small = BpeTrainer.train(String.join("\n", SAMPLES), 40, true).tokenizer();
        TokenizerFiles.save(small, dir);
        assertTrue(Files.readAllLines(dir.resolve("merges.txt")).get(0).equals("#version: 0.2"));
        Gpt2Tokenizer loaded = TokenizerFiles.load(dir);
        assertSameEncodings(small, loaded);
        Path again = dir.resolve("again");
        TokenizerFiles.save(loaded, again);
        assertArrayEquals(Files.readAllBytes(dir.resolve("vocab.json")), Files.readAllBytes(again.resolve("vocab.json")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("merges.txt")), Files.readAllBytes(again.resolve("merges.txt")));
    }

    // ----- bad input -----

    private String failureOf(String vocabJson, String mergesTxt) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), vocabJson);
        Files.writeString(dir.resolve("merges.txt"), mergesTxt);
        return assertThrows(TokenizerException.class, () -> TokenizerFiles.load(dir)).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "message \"" + message + "\" should mention \"" + part + "\"");
        }
    }

    private static final String SMALL_VOCAB = "{\"a\": 0,\n \"b\": 1,\n \"c\": 2,\n \"ab\": 3,\n \"abc\": 4}";

    @Test
    void smallValidFilesLoad() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), SMALL_VOCAB);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\nab c\n");
        Gpt2Tokenizer small = TokenizerFiles.load(dir);
        assertArrayEquals(new int[] {4, 3, 0}, small.encode("abcaba"));
    }

    @Test
    void missingMergesFileIsNamed() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), SMALL_VOCAB);
        String message = assertThrows(TokenizerException.class, () -> TokenizerFiles.load(dir)).getMessage();
        assertMentions(message, "merges.txt", "not found", dir.toString());
    }

    @Test
    void missingVocabFileIsNamed() {
        Path vocab = dir.resolve("nowhere/vocab.json");
        String message = assertThrows(TokenizerException.class,
                () -> TokenizerFiles.loadHuggingFace(vocab, dir.resolve("merges.txt"))).getMessage();
        assertMentions(message, "vocab.json", "not found");
    }

    @Test
    void directoryWithoutTokenizerFilesSaysWhatItExpected() {
        String message = assertThrows(TokenizerException.class, () -> TokenizerFiles.load(dir)).getMessage();
        assertMentions(message, dir.toString(), "vocab.json + merges.txt", "encoder.json + vocab.bpe", ".tiktoken");
        assertMentions(assertThrows(TokenizerException.class,
                () -> TokenizerFiles.load(dir.resolve("absent"))).getMessage(), "absent", "not found");
    }

    @Test
    void invalidJsonNamesFileAndLine() throws IOException {
        assertMentions(failureOf("{\"a\": 0,\n \"b\": 1,\n \"c\" 2}", "a b\n"), "vocab.json line 3", "invalid JSON");
        assertMentions(failureOf("{\"a\": 0,\n \"b\": 1,\n", "a b\n"), "vocab.json line", "invalid JSON");
        assertMentions(failureOf("[\"a\", \"b\"]", "a b\n"), "vocab.json line 1", "expected a JSON object");
    }

    @Test
    void badIdsNameFileAndLine() throws IOException {
        assertMentions(failureOf("{\"a\": 0,\n \"b\": \"one\"}", ""), "vocab.json line 2", "\"b\"", "integer");
        assertMentions(failureOf("{\"a\": 0,\n \"b\": 2.5}", ""), "vocab.json line 2", "integer");
        assertMentions(failureOf("{\"a\": 0,\n \"b\": 0}", ""), "vocab.json line 2", "id 0", "already taken", "line 1");
        assertMentions(failureOf("{\"a\": 0,\n \"b\": 7}", ""), "vocab.json line 2", "id 7", "without gaps");
        assertMentions(failureOf("{\"a\": 0,\n \"a\": 1}", ""), "vocab.json line 2", "repeats line 1");
    }

    @Test
    void mergesLineThatIsNotTwoSymbolsNamesFileAndLine() throws IOException {
        assertMentions(failureOf(SMALL_VOCAB, "#version: 0.2\na b\nab c d\n"), "merges.txt line 3", "two symbols",
                "ab c d");
        assertMentions(failureOf(SMALL_VOCAB, "#version: 0.2\nab\n"), "merges.txt line 2", "two symbols");
        assertMentions(failureOf(SMALL_VOCAB, "a  b\n"), "merges.txt line 1", "two symbols");
    }

    @Test
    void mergeWithUnknownPartsNamesFileLineAndSymbol() throws IOException {
        assertMentions(failureOf(SMALL_VOCAB, "#version: 0.2\na b\nab q\n"), "merges.txt line 3", "\"q\"",
                "not in vocab.json");
        assertMentions(failureOf(SMALL_VOCAB, "#version: 0.2\nb c\n"), "merges.txt line 2", "\"bc\"",
                "not in vocab.json");
        assertMentions(failureOf(SMALL_VOCAB, "a b\na b\n"), "merges.txt line 2", "repeats line 1");
    }

    @Test
    void badTiktokenLinesNameFileAndLine() throws IOException {
        Path file = dir.resolve("tiny.tiktoken");
        Files.writeString(file, "YQ== 0\nYg== 1\nYWI= 2\nnot-base64! 3\n");
        assertMentions(assertThrows(TokenizerException.class, () -> TokenizerFiles.load(file)).getMessage(),
                "tiny.tiktoken line 4", "base64");
        Files.writeString(file, "YQ== 0\nYg== one\n");
        assertMentions(assertThrows(TokenizerException.class, () -> TokenizerFiles.load(file)).getMessage(),
                "tiny.tiktoken line 2", "not an integer");
        Files.writeString(file, "YQ== 0\nYg==\n");
        assertMentions(assertThrows(TokenizerException.class, () -> TokenizerFiles.load(file)).getMessage(),
                "tiny.tiktoken line 2", "expected");
        Files.writeString(file, "YQ== 0\nYWJj 1\n");   // "abc" cannot be built from "a" alone
        assertMentions(assertThrows(TokenizerException.class, () -> TokenizerFiles.load(file)).getMessage(),
                "tiny.tiktoken line 2", "\"abc\"", "lower-ranked");
    }

    @Test
    void decodeOfAnIdOutOfRangeNamesIdAndPosition() {
        String message = assertThrows(TokenizerException.class,
                () -> gpt2.decode(new int[] {15496, 995, 50257})).getMessage();
        assertMentions(message, "50257", "position 2", "[0, 50257)");
        assertMentions(assertThrows(TokenizerException.class, () -> gpt2.decodeBytes(new int[] {-1})).getMessage(),
                "-1", "position 0");
    }

    @Test
    void allowingATokenThatIsNotSpecialIsRejected() {
        assertMentions(assertThrows(TokenizerException.class,
                () -> gpt2.encode("hello", java.util.Set.of("hello"))).getMessage(), "\"hello\"", "not a special token");
    }

    @Test
    void textWithABytemissingFromASmallVocabularyNamesTheByte() {
        Gpt2Tokenizer small = fromStrings(List.of("a", "b", "ab"), "a b\n");
        assertMentions(assertThrows(TokenizerException.class, () -> small.encode("abz")).getMessage(), "0x7A", "'z'");
        assertMentions(assertThrows(TokenizerException.class, small::eosTokenId).getMessage(), "<|endoftext|>");
    }
}
