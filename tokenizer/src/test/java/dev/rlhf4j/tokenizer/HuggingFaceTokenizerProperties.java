package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.Normalizer.Form;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Identities of the tokenizer.json tokenizers on arbitrary text: byte-level (Qwen3) decodes back to the NFC form of
 * the text; SentencePiece-style decodes back to the text itself (byte fallback covers every character); the Llama 3 /
 * Qwen scanner cuts the same pieces as the regex it implements; the fast BPE agrees with the step-by-step one.
 */
class HuggingFaceTokenizerProperties {

    private static final Tokenizer QWEN = Tokenizers.load(Fixtures.path("qwen3-tiny-chat"));
    private static final Tokenizer SP = Tokenizers.load(Fixtures.path("sp-bpe-tokenizer"));

    @Provide
    Arbitrary<String> texts() {
        return TextArbitraries.text(24);
    }

    @Property(tries = 500)
    void byteLevelDecodeInvertsEncodeUpToNfc(@ForAll("texts") String text) {
        String nfc = java.text.Normalizer.normalize(text, Form.NFC);
        assertEquals(nfc, QWEN.decode(QWEN.encode(text)));
        assertEquals(nfc, QWEN.decode(QWEN.encodeWithSpecialTokens(text)));
    }

    @Property(tries = 500)
    void sentencePieceDecodeInvertsEncode(@ForAll("texts") String text) {
        Assume.that(text.indexOf('\u2581') < 0 && !text.contains("<s>") && !text.contains("</s>") && !text.contains("<unk>"));
        assertEquals(text, SP.decode(SP.encode(text)));
        assertEquals(text, SP.decode(SP.addSpecialTokens(SP.encode(text)), true));
    }

    @Property(tries = 1000)
    void qwenAndLlama3ScannersCutTheRegexsPieces(@ForAll("texts") String text) {
        for (String pattern : new String[] {Llama3PreTokenizer.QWEN2_PATTERN, Llama3PreTokenizer.LLAMA3_PATTERN}) {
            IntBuffer fast = new IntBuffer(16);
            IntBuffer regex = new IntBuffer(16);
            new Splitter.Llama3(Llama3PreTokenizer.forPattern(pattern)).split(text, 0, text.length(), fast);
            new Splitter.Regex(Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS)).split(text, 0, text.length(), regex);
            assertArrayEquals(regex.toArray(), fast.toArray(), pattern);
        }
    }

    @Property(tries = 300)
    void fastMergesAgreeWithStepByStepMerges(@ForAll("texts") String text) {
        Assume.that(text.indexOf('<') < 0);
        for (Tokenizer t : new Tokenizer[] {QWEN, SP}) {
            HuggingFaceTokenizer hf = (HuggingFaceTokenizer) t;
            assertArrayEquals(hf.encodeAndShowWork(text).ids(), hf.encode(text));
        }
    }
}
