package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Qwen3's real tokenizer.json against the 1,000 vectors of Hugging Face {@code tokenizers} 0.23
 * ({@code fixtures/qwen3-tokenizer/token_vectors.json}): ids with special tokens recognised and as plain text, and
 * decode back to the text. Every vector must be exact.
 */
class Qwen3TokenizerVectorsTest {

    static Tokenizer qwen;
    private static JsonNode vectors;

    @BeforeAll
    static void load() {
        qwen = Tokenizers.load(Fixtures.path("qwen3-tiny-chat"));
        vectors = Fixtures.json("qwen3-tokenizer/token_vectors.json").get("vectors");
    }

    @Test
    void loadsAsAHuggingFaceTokenizerWithQwensSpecialIds() {
        assertInstanceOf(HuggingFaceTokenizer.class, qwen);
        assertEquals(151_669, qwen.vocabSize());
        assertEquals(151_645, qwen.eosTokenId(), "tokenizer_config.json: eos_token <|im_end|>");
        assertEquals(151_643, qwen.padTokenId().getAsInt(), "pad_token <|endoftext|>");
        assertEquals(true, qwen.bosTokenId().isEmpty(), "bos_token null");
        assertEquals(14, qwen.specialTokens().size());
        assertEquals(1000, vectors.size());
    }

    @Test
    void everyVectorWithSpecialTokensRecognised() {
        assertAllExact("ids", true);
    }

    @Test
    void everyVectorWithSpecialTokensAsPlainText() {
        assertAllExact("ids_split_special", false);
    }

    @Test
    void everyVectorDecodesToItsText() {
        List<String> failures = new ArrayList<>();
        for (JsonNode v : vectors) {
            String text = v.get("text").asText();
            String normalized = java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC);
            String decoded = qwen.decode(Fixtures.ints(v.get("ids")));
            if (!decoded.equals(normalized)) {
                failures.add(Fixtures.escape(text) + " -> " + Fixtures.escape(decoded));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " failures");
    }

    private static void assertAllExact(String field, boolean special) {
        List<String> failures = new ArrayList<>();
        for (JsonNode v : vectors) {
            String text = v.get("text").asText();
            int[] expected = Fixtures.ints(v.get(field));
            int[] actual = special ? qwen.encodeWithSpecialTokens(text) : qwen.encode(text);
            if (!Arrays.equals(expected, actual)) {
                failures.add(Fixtures.escape(text) + "\n   expected " + Arrays.toString(expected) + "\n   actual   "
                        + Arrays.toString(actual));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " of "
                + vectors.size() + " vectors differ");
    }
}
