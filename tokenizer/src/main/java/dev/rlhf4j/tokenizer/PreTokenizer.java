package dev.rlhf4j.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's pre-tokenizer: splits text into the pieces that BPE then encodes one by one, so that no token ever
 * spans a word boundary. OpenAI wrote it as one regular expression (encoder.py, {@code regex} module):
 *
 * <pre>
 * 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * </pre>
 *
 * <p>This class is a hand-written scanner with the same leftmost-alternative semantics, for two reasons:
 * it is several times faster than {@code java.util.regex}, and it pins the character classes down instead of
 * leaving them to a regex flag. The classes are those of tiktoken (Rust {@code regex}) and of Java's
 * {@code Pattern} with {@code UNICODE_CHARACTER_CLASS}: {@code \s} is the Unicode White_Space property
 * (U+0009..U+000D, U+0085 and the Zs, Zl, Zp categories; not U+001C..U+001F, which Java's
 * {@link Character#isWhitespace} would include), {@code \p{L}} the letter categories, {@code \p{N}} the number
 * categories (Nd, Nl, No; not just digits), all from {@link Character#getType} of the running JDK.
 * A lone surrogate is neither, so it falls into {@code [^\s\p{L}\p{N}]}, as in {@code java.util.regex}.
 *
 * <p>The {@code \s+(?!\S)} alternative is what keeps a space attached to the following word: a run of
 * whitespace before a word gives back its last character, so {@code "a   b"} splits as
 * {@code "a", "  ", " b"}.
 */
public final class PreTokenizer {

    static final int OTHER = 0;
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int SPACE = 3;

    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = (byte) classifyCodePoint(c);
        }
    }

    private PreTokenizer() {
    }

    /** The pieces of {@code text}, in order; concatenated they give back {@code text}. */
    public static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        int n = text.length();
        for (int i = 0; i < n; ) {
            int end = pieceEnd(text, i, n);
            pieces.add(text.substring(i, end));
            i = end;
        }
        return pieces;
    }

    /**
     * The end (exclusive) of the piece that starts at {@code start}; {@code start < end <= limit}.
     * The scan never looks at or past {@code limit}, as if the text ended there.
     */
    public static int pieceEnd(CharSequence text, int start, int limit) {
        char c = text.charAt(start);
        if (c == '\'' && start + 1 < limit) {
            int contraction = contractionEnd(text, start, limit);
            if (contraction > 0) {
                return contraction;
            }
        }
        if (c == ' ' && start + 1 < limit) {
            int next = classAt(text, start + 1, limit);
            if (next != SPACE) {
                return runEnd(text, start + 1, limit, next);
            }
        }
        int cls = classAt(text, start, limit);
        if (cls != SPACE) {
            return runEnd(text, start, limit, cls);
        }
        // Whitespace is always one char (all White_Space code points are in the BMP).
        int end = start + 1;
        while (end < limit && classOf(text.charAt(end)) == SPACE) {
            end++;
        }
        if (end == limit || end - start == 1) {
            return end;                      // \s+(?!\S) at the end of text, or the lone \s+
        }
        return end - 1;                      // \s+(?!\S) gives back one whitespace char to the next piece
    }

    /** The end of {@code 's 't 'm 'd 're 've 'll} at {@code start}, or 0 if there is none. */
    private static int contractionEnd(CharSequence text, int start, int limit) {
        char a = text.charAt(start + 1);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return start + 2;
        }
        if (start + 2 < limit) {
            char b = text.charAt(start + 2);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return start + 3;
            }
        }
        return 0;
    }

    /** The end of the maximal run of code points of class {@code cls} (not SPACE) starting at {@code from}. */
    private static int runEnd(CharSequence text, int from, int limit, int cls) {
        int i = from;
        while (i < limit) {
            char c = text.charAt(i);
            if (c < 128) {
                if (ASCII_CLASS[c] != cls) {
                    return i;
                }
                i++;
            } else if (Character.isHighSurrogate(c) && i + 1 < limit && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (classifyCodePoint(Character.toCodePoint(c, text.charAt(i + 1))) != cls) {
                    return i;
                }
                i += 2;
            } else {
                if (classifyCodePoint(c) != cls) {
                    return i;
                }
                i++;
            }
        }
        return i;
    }

    /** The class of the code point at {@code i} (a surrogate pair counts as one code point). */
    private static int classAt(CharSequence text, int i, int limit) {
        char c = text.charAt(i);
        if (c < 128) {
            return ASCII_CLASS[c];
        }
        if (Character.isHighSurrogate(c) && i + 1 < limit && Character.isLowSurrogate(text.charAt(i + 1))) {
            return classifyCodePoint(Character.toCodePoint(c, text.charAt(i + 1)));
        }
        return classifyCodePoint(c);
    }

    static int classOf(char c) {
        return c < 128 ? ASCII_CLASS[c] : classifyCodePoint(c);
    }

    /** LETTER, NUMBER, SPACE or OTHER for one code point, with the definitions in the class comment. */
    static int classifyCodePoint(int cp) {
        if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) {
            return SPACE;
        }
        switch (Character.getType(cp)) {
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }
}
