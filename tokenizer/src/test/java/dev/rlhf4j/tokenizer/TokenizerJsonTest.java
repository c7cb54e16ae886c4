package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader's choices and refusals: GPT-2's own vocabulary written as a tokenizer.json (merges as {@code "a b"}
 * strings, ByteLevel with GPT-2's regex) encodes the 495 GPT-2 vectors exactly as {@link Gpt2Tokenizer} does;
 * {@link Tokenizers#load} picks the file a folder has; each unsupported part is refused in one line naming it.
 */
class TokenizerJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** GPT-2's vocab.json + merges.txt as a tokenizers 0.23-style tokenizer.json. */
    static ObjectNode gpt2AsTokenizerJson() {
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < gpt2.vocabSize(); id++) {
            vocab.put(gpt2.token(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        BytePairEncoding bpe = gpt2.bytePairEncoding();
        for (int rank = 0; rank < bpe.mergeCount(); rank++) {
            merges.add(gpt2.token(bpe.mergeLeft(rank)) + " " + gpt2.token(bpe.mergeRight(rank)));
        }
        root.putArray("added_tokens").addObject().put("id", 50256).put("content", "<|endoftext|>").put("special", true);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        return root;
    }

    @Test
    void gpt2WrittenAsTokenizerJsonEncodesEveryGpt2VectorExactly() {
        HuggingFaceTokenizer hf = TokenizerJson.parse(gpt2AsTokenizerJson(), null, "tokenizer.json");
        JsonNode vectors;
        try (var in = getClass().getResourceAsStream("/gpt2-tokenizer/token_vectors.json")) {
            vectors = JSON.readTree(in).get("vectors");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(495, vectors.size());
        for (JsonNode v : vectors) {
            String text = v.get("text").asText();
            assertArrayEquals(Fixtures.ints(v.get("ids")), hf.encode(text), text);
            assertEquals(text, hf.decode(hf.encode(text)));
        }
        assertArrayEquals(new int[] {50256}, hf.encodeWithSpecialTokens("<|endoftext|>"));
        assertEquals(7, hf.encode("<|endoftext|>").length, "plain text when special tokens are not recognised");
    }

    @Test
    void loadPicksTokenizerJsonElseVocabAndMerges() throws IOException {
        TokenizerFiles.save(Gpt2Tokenizer.gpt2(), dir);
        assertInstanceOf(Gpt2Tokenizer.class, Tokenizers.load(dir));
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(gpt2AsTokenizerJson()));
        Tokenizer hf = Tokenizers.load(dir);
        assertInstanceOf(HuggingFaceTokenizer.class, hf);
        assertArrayEquals(Gpt2Tokenizer.gpt2().encode("Hello world"), hf.encode("Hello world"));
    }

    @Test
    void unsupportedPartsAreRefusedInOneLineNamingThem() {
        assertRefused(root -> ((ObjectNode) root.get("model")).put("type", "WordPiece"), "unsupported model WordPiece");
        assertRefused(root -> {
            ((ObjectNode) root.get("model")).put("type", "Unigram");
            ((ObjectNode) root.get("model")).remove("merges");
        }, "unsupported model Unigram");
        assertRefused(root -> root.putObject("normalizer").put("type", "BertNormalizer"),
                "unsupported normalizer BertNormalizer");
        assertRefused(root -> root.putObject("pre_tokenizer").put("type", "Whitespace"),
                "unsupported pre_tokenizer Whitespace");
        assertRefused(root -> root.putObject("decoder").put("type", "WordPiece"), "unsupported decoder WordPiece");
        assertRefused(root -> root.putObject("post_processor").put("type", "Mystery"), "unsupported post_processor Mystery");
        assertRefused(root -> {
            ObjectNode split = root.putObject("pre_tokenizer");
            split.put("type", "Split").put("behavior", "Removed").putObject("pattern").put("String", " ");
        }, "unsupported pre_tokenizer Split with behavior Removed");
    }

    private static void assertRefused(java.util.function.Consumer<ObjectNode> change, String expected) {
        ObjectNode root = tinyByteLevel();
        change.accept(root);
        TokenizerException e = assertThrows(TokenizerException.class, () -> TokenizerJson.parse(root, null, "tokenizer.json"));
        assertEquals(true, e.getMessage().startsWith("tokenizer.json: " + expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    /** A 256-byte byte-level BPE with one merge. */
    private static ObjectNode tinyByteLevel() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        int[] order = ByteToUnicode.byteOrder();
        for (int id = 0; id < 256; id++) {
            vocab.put(String.valueOf(ByteToUnicode.symbol(order[id])), id);
        }
        vocab.put("ab", 256);
        model.putArray("merges").addArray().add("a").add("b");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("use_regex", true);
        return root;
    }

    @Test
    void mergesAsPairsAndByteLevelDecoding() {
        ObjectNode root = tinyByteLevel();
        HuggingFaceTokenizer noDecoder = TokenizerJson.parse(root, null, "tokenizer.json");
        assertArrayEquals(new int[] {256, noDecoder.tokenId("c").getAsInt()}, noDecoder.encode("abc"));
        assertEquals("\u0120 ab", noDecoder.decode(noDecoder.encode(" ab")), "no decoder: tokens joined by spaces");
        root.putObject("decoder").put("type", "ByteLevel");
        HuggingFaceTokenizer tiny = TokenizerJson.parse(root, null, "tokenizer.json");
        assertEquals(" ab", tiny.decode(tiny.encode(" ab")));
    }
}
