package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The 495 recorded GPT-2 vectors of {@code gpt2-tokenizer/token_vectors.json} (OpenAI encoder.py, tiktoken,
 * HF tokenizers and HF AutoTokenizer all agree on each), the special-token vector, and HF's toy-vocabulary
 * vector: exact ids on encode, exact text on decode.
 */
class Gpt2VectorsTest {

    private static Gpt2Tokenizer gpt2;
    private static JsonNode fixture;

    @BeforeAll
    static void load() throws IOException {
        gpt2 = Gpt2Tokenizer.gpt2();
        try (InputStream in = Gpt2VectorsTest.class.getResourceAsStream("/gpt2-tokenizer/token_vectors.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
    }

    private static int[] ids(JsonNode vector) {
        return StreamSupport.stream(vector.get("ids").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    @Test
    void fixtureHasAll495Vectors() {
        assertEquals(495, fixture.get("vectors").size());
    }

    @TestFactory
    List<DynamicTest> everyVectorEncodesToItsIdsAndDecodesToItsText() {
        List<DynamicTest> tests = new ArrayList<>();
        JsonNode vectors = fixture.get("vectors");
        for (int i = 0; i < vectors.size(); i++) {
            JsonNode vector = vectors.get(i);
            String text = vector.get("text").asText();
            int[] expected = ids(vector);
            tests.add(DynamicTest.dynamicTest("vector " + i + " " + abbreviate(text), () -> {
                assertArrayEquals(expected, gpt2.encode(text), () -> "encode of " + text);
                assertEquals(text, gpt2.decode(expected));
            }));
        }
        return tests;
    }

    @Test
    void encodeBatchEncodesEachTextUnpadded() {
        List<int[]> rows = gpt2.encodeBatch(List.of("Hello world", "Hi"));
        assertArrayEquals(new int[] {15496, 995}, rows.get(0));
        assertArrayEquals(new int[] {17250}, rows.get(1));
        assertEquals("Hi", gpt2.decode(rows.get(1)));
    }

    @Test
    void specialTokenVectorEncodesEndOfTextAsOneIdOnlyWhenAllowed() {
        JsonNode vector = fixture.get("special_token_vectors").get(0);
        String text = vector.get("text").asText();
        assertArrayEquals(ids(vector), gpt2.encode(text, Set.of(Gpt2Tokenizer.END_OF_TEXT)));
        assertArrayEquals(ids(vector), gpt2.encode(text, gpt2.specialTokens()));
        int[] plain = gpt2.encode(text);
        assertEquals(50256, gpt2.eosTokenId());
        assertEquals(false, IntStream.of(plain).anyMatch(id -> id == 50256), "special token must stay plain text");
        assertEquals(text, gpt2.decode(plain));
        assertEquals(text, gpt2.decode(ids(vector)));
    }

    @Test
    void huggingFaceToyVocabularyVector() {
        // transformers tests/models/gpt2/test_tokenization_gpt2.py: vocab and merges of test_full_tokenizer.
        List<String> tokens = List.of("l", "o", "w", "e", "r", "s", "t", "i", "d", "n", "\u0120", "\u0120l", "\u0120n",
                "\u0120lo", "\u0120low", "er", "\u0120lowest", "\u0120newer", "\u0120wider", "<unk>");
        String merges = "#version: 0.2\n\u0120 l\n\u0120l o\n\u0120lo w\ne r\n\n";
        Gpt2Tokenizer toy = TokenizerFilesTest.fromStrings(tokens, merges);
        JsonNode vector = fixture.get("toy_vocab_vectors").get(0);
        String text = (vector.get("add_prefix_space").asBoolean() ? " " : "") + vector.get("text").asText();
        List<String> expectedTokens = new ArrayList<>();
        vector.get("tokens").forEach(t -> expectedTokens.add(t.asText()));
        int[] ids = toy.encode(text);
        assertArrayEquals(ids(vector), ids);
        assertEquals(expectedTokens, IntStream.of(ids).mapToObj(toy::token).toList());
        assertEquals(19, toy.tokenId("<unk>").getAsInt(), "the vector's note: tokens + ['<unk>'] -> ids + [19]");
        assertEquals(Set.of("<unk>"), toy.specialTokens());
        assertEquals(" newer<unk>", toy.decode(new int[] {17, 19}), "unreachable \u0120newer is an ordinary token");
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace("\n", "\\n").replace("\r", "\\r");
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 40) + "...";
    }
}
