package dev.rlhf4j.tokenizer;

/**
 * The pre-tokenizer regex of Llama 3 ({@code maxDigits} 3) and Qwen2/Qwen3 ({@code maxDigits} 1), as a hand-written
 * scanner with the regex's leftmost-alternative semantics:
 *
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 *
 * <p>Unlike GPT-2's, a word takes any one non-letter, non-newline character in front of it ({@code "(hello"},
 * {@code "\u3000日本"}), digits go one (Qwen) or up to three (Llama 3) at a time, and newlines are kept with the
 * whitespace before them. The character classes are {@link PreTokenizer}'s (Unicode White_Space, letter and number
 * categories). {@code (?i:...)} is Unicode case-insensitive in Rust's and Oniguruma's engines, so {@code 'ſ} (long s)
 * is a contraction too. {@link Splitter.Regex} with the same pattern is the definition; a property checks that both
 * give the same pieces, and the Qwen3 vectors check both against {@code tokenizers}.
 */
final class Llama3PreTokenizer {

    /** Qwen2 / Qwen3's pattern ({@code \p{N}}: one digit per piece). */
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's pattern ({@code \p{N}{1,3}}). */
    static final String LLAMA3_PATTERN = QWEN2_PATTERN.replace("|\\p{N}|", "|\\p{N}{1,3}|");

    private static final int OTHER = PreTokenizer.OTHER;
    private static final int LETTER = PreTokenizer.LETTER;
    private static final int NUMBER = PreTokenizer.NUMBER;
    private static final int SPACE = PreTokenizer.SPACE;

    private final int maxDigits;

    Llama3PreTokenizer(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    /** The scanner for a Split pattern this class implements, or null. */
    static Llama3PreTokenizer forPattern(String pattern) {
        if (pattern.equals(QWEN2_PATTERN)) {
            return new Llama3PreTokenizer(1);
        }
        return pattern.equals(LLAMA3_PATTERN) ? new Llama3PreTokenizer(3) : null;
    }

    /** The end (exclusive) of the piece that starts at {@code start}; the text is read as if it ended at {@code limit}. */
    int pieceEnd(CharSequence text, int start, int limit) {
        char c = text.charAt(start);
        if (c == '\'' && start + 1 < limit) {                              // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            int end = contractionEnd(text, start, limit);
            if (end > 0) {
                return end;
            }
        }
        int cls = classAt(text, start, limit);
        int width = width(text, start, limit);
        if (cls == LETTER) {                                               // \p{L}+
            return runEnd(text, start + width, limit, LETTER, Integer.MAX_VALUE);
        }
        if (cls != NUMBER && c != '\r' && c != '\n' && start + width < limit
                && classAt(text, start + width, limit) == LETTER) {         // [^\r\n\p{L}\p{N}]\p{L}+
            return runEnd(text, start + width, limit, LETTER, Integer.MAX_VALUE);
        }
        if (cls == NUMBER) {                                               // \p{N}{1,maxDigits}
            return runEnd(text, start, limit, NUMBER, maxDigits);
        }
        if (cls == OTHER || (c == ' ' && start + 1 < limit && classAt(text, start + 1, limit) == OTHER)) {
            int end = runEnd(text, cls == OTHER ? start : start + 1, limit, OTHER, Integer.MAX_VALUE);
            while (end < limit && (text.charAt(end) == '\r' || text.charAt(end) == '\n')) {
                end++;                                                     //  ?[^\s\p{L}\p{N}]+[\r\n]*
            }
            return end;
        }
        int end = start + 1;                                               // whitespace is one char each (BMP)
        int lastNewline = c == '\r' || c == '\n' ? start : -1;
        while (end < limit && classOf(text.charAt(end)) == SPACE) {
            if (text.charAt(end) == '\r' || text.charAt(end) == '\n') {
                lastNewline = end;
            }
            end++;
        }
        if (lastNewline >= 0) {
            return lastNewline + 1;                                        // \s*[\r\n]+ (the last newline ends it)
        }
        if (end == limit || end - start == 1) {
            return end;                                                    // \s+(?!\S) at the end, or \s+
        }
        return end - 1;                                                    // \s+(?!\S) leaves one for the next word
    }

    /** The end of {@code 's 't 'm 'd 're 've 'll} in any case at {@code start}, or 0. */
    private static int contractionEnd(CharSequence text, int start, int limit) {
        char a = Character.toLowerCase(text.charAt(start + 1));
        if (a == 's' || a == 't' || a == 'm' || a == 'd' || a == '\u017F') {
            return start + 2;
        }
        if (start + 2 < limit) {
            char b = Character.toLowerCase(text.charAt(start + 2));
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return start + 3;
            }
        }
        return 0;
    }

    /** The end of at most {@code max} code points of class {@code cls} from {@code from}. */
    private static int runEnd(CharSequence text, int from, int limit, int cls, int max) {
        int i = from;
        int count = 0;
        while (i < limit && count < max && classAt(text, i, limit) == cls) {
            i += width(text, i, limit);
            count++;
        }
        return i;
    }

    private static int width(CharSequence text, int i, int limit) {
        return Character.isHighSurrogate(text.charAt(i)) && i + 1 < limit
                && Character.isLowSurrogate(text.charAt(i + 1)) ? 2 : 1;
    }

    private static int classAt(CharSequence text, int i, int limit) {
        char c = text.charAt(i);
        if (c < 128) {
            return PreTokenizer.classOf(c);
        }
        if (Character.isHighSurrogate(c) && i + 1 < limit && Character.isLowSurrogate(text.charAt(i + 1))) {
            return PreTokenizer.classifyCodePoint(Character.toCodePoint(c, text.charAt(i + 1)));
        }
        return PreTokenizer.classifyCodePoint(c);
    }

    private static int classOf(char c) {
        return PreTokenizer.classOf(c);
    }
}
