package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Decoding ids whose bytes are not valid UTF-8 gives Python's {@code errors="replace"} text. The expected
 * strings were printed by CPython 3 {@code bytes.decode("utf-8", "replace")}.
 */
class Utf8Test {

    private static final Gpt2Tokenizer GPT2 = Gpt2Tokenizer.gpt2();

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void replacementFollowsPythonMaximalSubparts() {
        assertEquals("\uFFFD", Utf8.decode(bytes(0xE2, 0x82)));
        assertEquals("\uFFFDA", Utf8.decode(bytes(0xE2, 0x82, 0x41)));
        assertEquals("\uFFFD", Utf8.decode(bytes(0xF0, 0x9F, 0x98)));
        assertEquals("\uFFFD\uFFFD\uFFFD", Utf8.decode(bytes(0xED, 0xA0, 0x80)), "encoded surrogate: 3 in Python");
        assertEquals("\uFFFD\uFFFD", Utf8.decode(bytes(0xC0, 0xAF)), "overlong");
        assertEquals("\uFFFD\uFFFD", Utf8.decode(bytes(0xFF, 0xFE)));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", Utf8.decode(bytes(0xF4, 0x90, 0x80, 0x80)), "above U+10FFFF");
        assertEquals("a\u00E9\u20AC\uD83D\uDE00", Utf8.decode("a\u00E9\u20AC\uD83D\uDE00".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void idsThatSplitAMultiByteCharacterDecodeWithReplacementAndRawBytesStayExact() {
        String emoji = "\uD83E\uDD16";                        // U+1F916, 4 bytes F0 9F A4 96
        int[] ids = GPT2.encode(emoji);
        assertEquals(3, ids.length, "GPT-2 splits this emoji into 3 tokens");
        int[] head = java.util.Arrays.copyOf(ids, 2);
        assertEquals("\uFFFD", GPT2.decode(head));
        byte[] headBytes = GPT2.decodeBytes(head);
        assertArrayEquals(java.util.Arrays.copyOf(emoji.getBytes(StandardCharsets.UTF_8), headBytes.length), headBytes);
        assertEquals(emoji, GPT2.decode(ids));
    }

    @Test
    void loneSurrogateEncodesAsQuestionMarkLikeStringGetBytes() {
        assertArrayEquals(GPT2.encode("a?b"), GPT2.encode("a\uD800b"));
    }
}
