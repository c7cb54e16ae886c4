package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** decode(encode(s)) == s for any text, and the fast BPE agrees with encoder.py's step-by-step BPE. */
class RoundTripProperties {

    private static final Gpt2Tokenizer GPT2 = Gpt2Tokenizer.gpt2();

    @Provide
    Arbitrary<String> texts() {
        return TextArbitraries.text(24);
    }

    @Provide
    Arbitrary<String> codePointStrings() {
        return TextArbitraries.codePoint().list().ofMaxSize(40).map(parts -> String.join("", parts));
    }

    @Provide
    Arbitrary<byte[]> byteStrings() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    }

    @Property(tries = 800)
    void decodeInvertsEncodeOnMixedText(@ForAll("texts") String text) {
        int[] ids = GPT2.encode(text);
        assertEquals(text, GPT2.decode(ids));
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), GPT2.decodeBytes(ids));
    }

    @Property(tries = 500)
    void decodeInvertsEncodeOnArbitraryCodePoints(@ForAll("codePointStrings") String text) {
        assertEquals(text, GPT2.decode(GPT2.encode(text)));
    }

    @Property(tries = 500)
    void decodeInvertsEncodeOnTextDecodedFromArbitraryBytes(@ForAll("byteStrings") byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(text, GPT2.decode(GPT2.encode(text)));
    }

    @Property(tries = 500)
    void decodeBytesOfSingleByteTokensGivesBackArbitraryBytes(@ForAll("byteStrings") byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = GPT2.tokenId(String.valueOf(ByteToUnicode.symbol(bytes[i]))).getAsInt();
        }
        assertArrayEquals(bytes, GPT2.decodeBytes(ids));
        assertEquals(Utf8.decode(bytes), GPT2.decode(ids));
    }

    @Property(tries = 500)
    void fastMergesAgreeWithEncoderPyMergeOrder(@ForAll("texts") String text) {
        assertArrayEquals(GPT2.encodeAndShowWork(text).ids(), GPT2.encode(text));
    }

    @Property(tries = 300)
    void specialTokensAllowedOrNotDecodeToTheSameText(@ForAll("texts") String a, @ForAll("texts") String b) {
        String text = a + Gpt2Tokenizer.END_OF_TEXT + b;
        int[] withSpecial = GPT2.encode(text, GPT2.specialTokens());
        assertEquals(text, GPT2.decode(withSpecial));
        assertEquals(text, GPT2.decode(GPT2.encode(text)));
        long eos = java.util.stream.IntStream.of(withSpecial).filter(id -> id == GPT2.eosTokenId()).count();
        assertEquals(countOccurrences(text, Gpt2Tokenizer.END_OF_TEXT), eos);
        assertEquals(0, java.util.stream.IntStream.of(GPT2.encode(text)).filter(id -> id == GPT2.eosTokenId()).count());
    }

    private static long countOccurrences(String text, String token) {
        long count = 0;
        for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length())) {
            count++;
        }
        return count;
    }
}
