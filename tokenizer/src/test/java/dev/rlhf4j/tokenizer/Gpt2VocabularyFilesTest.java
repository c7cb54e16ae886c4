package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPT-2 files on the classpath are OpenAI's (the sha256 tiktoken pins for {@code gpt2}), and
 * {@link TokenizerFiles#save} writes them back byte for byte, so files it writes for a trained vocabulary have
 * the exact layout that Hugging Face {@code tokenizers} and encoder.py read.
 */
class Gpt2VocabularyFilesTest {

    private static final String VOCAB_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783";
    private static final String MERGES_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5";

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Gpt2VocabularyFilesTest.class.getResourceAsStream("/dev/rlhf4j/tokenizer/gpt2/" + name)) {
            return in.readAllBytes();
        }
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void classpathFilesAreOpenAisGpt2Files() throws Exception {
        assertEquals(VOCAB_SHA256, sha256(resource("vocab.json")));
        assertEquals(MERGES_SHA256, sha256(resource("merges.txt")));
    }

    @Test
    void gpt2HasTheDocumentedShape() {
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        assertEquals(50_257, gpt2.vocabSize());
        assertEquals(50_000, gpt2.mergeCount());
        assertEquals(50_256, gpt2.eosTokenId());
        assertEquals(java.util.Set.of("<|endoftext|>"), gpt2.specialTokens());
        assertEquals(220, gpt2.tokenId("\u0120").getAsInt());
        assertEquals("\u0120the", gpt2.token(262));
        int[] order = ByteToUnicode.byteOrder();
        for (int id = 0; id < 256; id++) {
            assertArrayEquals(new byte[] {(byte) order[id]}, gpt2.vocabulary().bytes(id), "id " + id);
        }
    }

    @Test
    void savingGpt2ReproducesItsFilesByteForByte(@TempDir Path dir) throws Exception {
        TokenizerFiles.save(Gpt2Tokenizer.gpt2(), dir);
        assertEquals(VOCAB_SHA256, sha256(Files.readAllBytes(dir.resolve("vocab.json"))));
        assertEquals(MERGES_SHA256, sha256(Files.readAllBytes(dir.resolve("merges.txt"))));
    }
}
