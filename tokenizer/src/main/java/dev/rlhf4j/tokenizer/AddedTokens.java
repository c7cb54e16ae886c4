package dev.rlhf4j.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * tokenizer.json's {@code added_tokens}, found in raw text before anything else runs, as {@code tokenizers} does:
 * the leftmost match wins, the longest on ties; {@code single_word} tokens match only between non-word characters,
 * {@code lstrip} / {@code rstrip} swallow the whitespace beside them. A special token that the caller wants as plain
 * text is skipped over whole (its text is then encoded like any other); non-special added tokens (Qwen's
 * {@code <think>}) are always recognised. Tokens marked {@code normalized} are matched in the raw text too (tokenizers
 * matches them after normalization; the two agree unless the normalizer rewrites the token's own text).
 */
final class AddedTokens {

    /** One entry of {@code added_tokens}. */
    record Token(String content, int id, boolean special, boolean singleWord, boolean lstrip, boolean rstrip) {
    }

    /** A match: the token, and the stretch of text it stands for (whitespace it strips included). */
    record Match(Token token, int start, int end) {
    }

    private final List<Token> tokens;
    private final Map<Character, Token[]> byFirstChar;   // candidates per first char, longest first
    private final java.util.BitSet firstChars = new java.util.BitSet(); // chars some token starts with

    AddedTokens(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
        Map<Character, List<Token>> grouped = new HashMap<>();
        for (Token t : tokens) {
            if (!t.content().isEmpty()) {
                grouped.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
                firstChars.set(t.content().charAt(0));
            }
        }
        byFirstChar = new HashMap<>();
        grouped.forEach((c, list) -> {
            list.sort(Comparator.comparingInt((Token t) -> t.content().length()).reversed());
            byFirstChar.put(c, list.toArray(new Token[0]));
        });
    }

    List<Token> tokens() {
        return tokens;
    }

    boolean isEmpty() {
        return tokens.isEmpty();
    }

    /**
     * The first added token in {@code text[from..)}, or null; special tokens only when {@code allowSpecial}.
     * {@code floor} is where the previous match ended ({@code lstrip} never reaches before it).
     */
    Match next(String text, int from, int floor, boolean allowSpecial) {
        int n = text.length();
        for (int i = from; i < n; i++) {
            if (!firstChars.get(text.charAt(i))) {
                continue;
            }
            Token[] candidates = byFirstChar.get(text.charAt(i));
            for (Token t : candidates) {
                if (!text.startsWith(t.content(), i)) {
                    continue;
                }
                int end = i + t.content().length();
                if (t.special() && !allowSpecial) {
                    i = end - 1;                           // its text is plain text, as a whole
                    break;
                }
                if (t.singleWord() && (isWordChar(text, i - 1) || isWordChar(text, end))) {
                    continue;
                }
                int start = i;
                if (t.lstrip()) {
                    while (start > floor && Character.isWhitespace(text.charAt(start - 1))) {
                        start--;
                    }
                }
                if (t.rstrip()) {
                    while (end < n && Character.isWhitespace(text.charAt(end))) {
                        end++;
                    }
                }
                return new Match(t, start, end);
            }
        }
        return null;
    }

    private static boolean isWordChar(String text, int i) {
        if (i < 0 || i >= text.length()) {
            return false;
        }
        char c = text.charAt(i);
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
