package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** decode(encode(s)) == s for any text, and the fast BPE agrees with encoder.py's step-by-step BPE. */
class RoundTripProperties {

    private static final Gpt2Tokenizer GPT2 = Gpt2Tokenizer.gpt2();
    /** The JDK's UTF-8 decoder, reporting ill-formed input instead of replacing it. */
    private static final CharsetDecoder STRICT = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

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
        assertEquals(replaceMaximalSubparts(bytes), GPT2.decode(ids));
    }

    /**
     * Python's {@code bytes.decode("utf-8", "replace")} from its definition (Unicode 15, section 3.9): at each
     * position, emit the longest well-formed sequence starting there; failing that, replace the maximal subpart
     * (the longest prefix of some well-formed sequence, at least one byte) with one U+FFFD. Well-formedness is
     * asked of the JDK's strict decoder, one candidate sequence at a time; a prefix of length >= 2 extends to a
     * well-formed sequence iff padding it with 0x80 continuation bytes does (only the second byte has a
     * narrower range).
     */
    private static String replaceMaximalSubparts(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < bytes.length) {
            String decoded = null;
            int length = 0;
            for (int n = 1; n <= 4 && i + n <= bytes.length && decoded == null; n++) {
                decoded = wellFormed(Arrays.copyOfRange(bytes, i, i + n));
                length = n;
            }
            if (decoded != null) {
                out.append(decoded);
                i += length;
                continue;
            }
            int subpart = 1;
            for (int n = 2; n <= 3 && i + n <= bytes.length; n++) {
                byte[] padded = Arrays.copyOf(Arrays.copyOfRange(bytes, i, i + n), 4);
                boolean completes = false;
                for (int total = n + 1; total <= 4 && !completes; total++) {
                    padded[total - 1] = (byte) 0x80;
                    completes = wellFormed(Arrays.copyOf(padded, total)) != null;
                }
                if (!completes) {
                    break;
                }
                subpart = n;
            }
            out.append('\uFFFD');
            i += subpart;
        }
        return out.toString();
    }

    /** The one code point {@code seq} encodes, or null unless it is exactly one well-formed UTF-8 sequence. */
    private static String wellFormed(byte[] seq) {
        ByteBuffer in = ByteBuffer.wrap(seq);
        CharBuffer out = CharBuffer.allocate(2);
        STRICT.reset();
        if (!STRICT.decode(in, out, true).isUnderflow() || in.hasRemaining() || !STRICT.flush(out).isUnderflow()) {
            return null;
        }
        String s = out.flip().toString();
        return s.codePointCount(0, s.length()) == 1 ? s : null;
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
