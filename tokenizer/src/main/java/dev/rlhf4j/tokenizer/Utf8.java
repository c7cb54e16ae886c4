package dev.rlhf4j.tokenizer;

import java.util.Arrays;

/**
 * UTF-8 encoding and decoding with the exact error behaviour the tokenizer needs.
 *
 * <p>Decoding follows Python's {@code bytes.decode("utf-8", errors="replace")}, which is what OpenAI's
 * encoder.py and tiktoken return: each maximal ill-formed subpart (Unicode 15, section 3.9, "U+FFFD
 * substitution of maximal subparts") becomes one U+FFFD. Java's own decoder differs on encoded surrogates
 * ({@code ED A0 80} gives one U+FFFD in Java, three in Python), hence this class.
 *
 * <p>Encoding writes a lone surrogate as {@code '?'}, as {@link String#getBytes} does, so that rlhf4j and
 * jtokkit see the same bytes for any Java string.
 */
final class Utf8 {

    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /** Decodes {@code bytes}, replacing each maximal ill-formed subpart with U+FFFD. */
    static String decode(byte[] bytes) {
        char[] out = new char[bytes.length];
        int n = 0;
        int i = 0;
        while (i < bytes.length) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out[n++] = (char) b0;
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            int cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                out[n++] = REPLACEMENT;
                i++;
                continue;
            }
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < need; k++, j++) {
                int b = j < bytes.length ? bytes[j] & 0xFF : -1;
                int min = k == 0 ? lo : 0x80;
                int max = k == 0 ? hi : 0xBF;
                if (b < min || b > max) {
                    complete = false;
                    break;
                }
                cp = (cp << 6) | (b & 0x3F);
            }
            if (!complete) {
                out[n++] = REPLACEMENT;
                i = j;
                continue;
            }
            if (cp >= 0x10000) {
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
            } else {
                out[n++] = (char) cp;
            }
            i = j;
        }
        return new String(out, 0, n);
    }

    /**
     * Writes the UTF-8 bytes of {@code text[from..to)} into {@code out} (grown when needed) and returns the
     * buffer; the byte count is returned through {@code length[0]}.
     */
    static byte[] encode(CharSequence text, int from, int to, byte[] out, int[] length) {
        byte[] buf = out.length >= 3 * (to - from) ? out : Arrays.copyOf(out, 3 * (to - from));
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                buf[n++] = (byte) c;
            } else if (c < 0x800) {
                buf[n++] = (byte) (0xC0 | (c >> 6));
                buf[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, text.charAt(++i));
                    buf[n++] = (byte) (0xF0 | (cp >> 18));
                    buf[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    buf[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    buf[n++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    buf[n++] = '?';
                }
            } else {
                buf[n++] = (byte) (0xE0 | (c >> 12));
                buf[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        length[0] = n;
        return buf;
    }
}
