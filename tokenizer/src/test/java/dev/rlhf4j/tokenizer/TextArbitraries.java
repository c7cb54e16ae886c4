package dev.rlhf4j.tokenizer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * jqwik generators of text that exercises every branch of the pre-tokenizer and of UTF-8: letters of many
 * scripts, digits and other numbers, every White_Space character and the near-misses (U+001C..U+001F, which
 * Java's {@code isWhitespace} calls space and Unicode does not; U+200B), apostrophes and contractions,
 * combining marks, CJK, emoji and other supplementary-plane code points, controls, and arbitrary code points.
 * Never lone surrogates: they are not text (UTF-8 cannot encode them).
 */
final class TextArbitraries {

    private static final String WHITESPACE = " \t\n\r\u000B\u000C\u0085\u00A0\u1680\u2000\u2005\u200A\u2028\u2029"
            + "\u202F\u205F\u3000";
    private static final String NEAR_WHITESPACE = "\u001C\u001D\u001E\u001F\u200B\u180E\uFEFF";
    private static final String[] FRAGMENTS = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'", "''", "'S", "'LL",
        " '", "<|endoftext|>", "  ", "\n\n", " \n", "\r\n", "...", "1,000", "3.14", "\u00BD", "\u2167", "\u0661\u0662",
        "e\u0301", "\u0915\u094D\u0937", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", "\uD83C\uDDEF\uD83C\uDDF5",
        "\uD83D\uDC4D\uD83C\uDFFD", "\u2764\uFE0F", "\uD835\uDC00", "\uD800\uDC00"};

    private TextArbitraries() {
    }

    /** Any Unicode scalar value: all planes, surrogates excluded. */
    static Arbitrary<String> codePoint() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(0, 0xD7FF),
                Arbitraries.integers().between(0xE000, 0x10FFFF))
                .map(TextArbitraries::fromCodePoint);
    }

    /** A short run of characters from one interesting family. */
    static Arbitrary<String> fragment() {
        return Arbitraries.frequencyOf(
                weight(6, Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(8)),
                weight(2, Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(6)),
                weight(4, Arbitraries.strings().withChars(WHITESPACE).ofMinLength(1).ofMaxLength(4)),
                weight(1, Arbitraries.strings().withChars(NEAR_WHITESPACE).ofMinLength(1).ofMaxLength(2)),
                weight(3, Arbitraries.strings().withChars("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").ofMinLength(1).ofMaxLength(3)),
                weight(3, Arbitraries.of(FRAGMENTS)),
                weight(2, Arbitraries.strings().withCharRange('\u0300', '\u036F').ofMinLength(1).ofMaxLength(3)),
                weight(2, Arbitraries.strings().withCharRange('\u00C0', '\u024F').ofMinLength(1).ofMaxLength(5)),
                weight(2, Arbitraries.strings().withCharRange('\u4E00', '\u9FFF').ofMinLength(1).ofMaxLength(4)),
                weight(1, Arbitraries.strings().withCharRange('\u0400', '\u04FF').ofMinLength(1).ofMaxLength(5)),
                weight(1, Arbitraries.strings().withCharRange('\u0000', '\u001F').ofMinLength(1).ofMaxLength(2)),
                weight(2, Arbitraries.integers().between(0x1F300, 0x1FAFF).map(TextArbitraries::fromCodePoint)),
                weight(3, codePoint()));
    }

    private static Tuple.Tuple2<Integer, Arbitrary<? extends String>> weight(int weight, Arbitrary<String> arbitrary) {
        return Tuple.of(weight, arbitrary);
    }

    private static String fromCodePoint(int codePoint) {
        return new String(Character.toChars(codePoint));
    }

    /** Text of up to {@code maxFragments} fragments. */
    static Arbitrary<String> text(int maxFragments) {
        return fragment().list().ofMaxSize(maxFragments).map(parts -> String.join("", parts));
    }
}
