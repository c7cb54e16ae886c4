package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A SentencePiece-style BPE laid out as Llama 2 / Mistral / TinyLlama lay out tokenizer.json (Prepend + Replace
 * normalizer, byte fallback, TemplateProcessing adding {@code <s>}, Replace/ByteFallback/Fuse/Strip decoder) against
 * the 500 vectors of Hugging Face {@code tokenizers} 0.23 ({@code fixtures/sp-bpe-tokenizer}). All exact.
 */
class SentencePieceBpeVectorsTest {

    static Tokenizer sp;
    private static JsonNode vectors;

    @BeforeAll
    static void load() {
        sp = Tokenizers.load(Fixtures.path("sp-bpe-tokenizer"));
        vectors = Fixtures.json("sp-bpe-tokenizer/token_vectors.json").get("vectors");
    }

    @Test
    void specialIdsComeFromTokenizerConfig() {
        assertEquals(700, sp.vocabSize());
        assertEquals(1, sp.bosTokenId().getAsInt());
        assertEquals(2, sp.eosTokenId());
        assertEquals(500, vectors.size());
        assertArrayEquals(new int[] {1, 5}, sp.addSpecialTokens(new int[] {5}));
    }

    @Test
    void everyVectorWithTheBosThePostProcessorAdds() {
        assertAll("ids", text -> sp.addSpecialTokens(sp.encodeWithSpecialTokens(text)));
    }

    @Test
    void everyVectorWithoutAddedSpecialTokens() {
        assertAll("ids_no_special", text -> sp.encodeWithSpecialTokens(text));
    }

    @Test
    void everyVectorDecodesAsTokenizersDecodes() {
        List<String> failures = new ArrayList<>();
        for (JsonNode v : vectors) {
            String decoded = sp.decode(Fixtures.ints(v.get("ids")), true);
            if (!decoded.equals(v.get("decoded").asText())) {
                failures.add(Fixtures.escape(v.get("decoded").asText()) + " vs " + Fixtures.escape(decoded));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " failures");
    }

    private static void assertAll(String field, java.util.function.Function<String, int[]> encode) {
        List<String> failures = new ArrayList<>();
        for (JsonNode v : vectors) {
            String text = v.get("text").asText();
            int[] expected = Fixtures.ints(v.get(field));
            int[] actual = encode.apply(text);
            if (!Arrays.equals(expected, actual)) {
                failures.add(Fixtures.escape(text) + "\n   expected " + Arrays.toString(expected) + "\n   actual   "
                        + Arrays.toString(actual));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " of "
                + vectors.size() + " vectors differ");
    }
}
