package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * rlhf4j against jtokkit's r50k_base (tiktoken's GPT-2 encoding, a separate implementation: java.util.regex
 * pre-tokenizer, rank-based merges read from tiktoken's rank file) on arbitrary text, and the hand-written
 * pre-tokenizer against GPT-2's regular expression compiled by java.util.regex.
 */
class JtokkitDifferentialProperties {

    private static final Gpt2Tokenizer GPT2 = Gpt2Tokenizer.gpt2();
    private static final Encoding R50K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    /** GPT-2's pattern as jtokkit compiles it (flags: UNICODE_CHARACTER_CLASS). */
    private static final Pattern GPT2_PATTERN = Pattern.compile(
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    @Provide
    Arbitrary<String> texts() {
        return TextArbitraries.text(30);
    }

    @Property(tries = 1000)
    void sameIdsAsJtokkit(@ForAll("texts") String text) {
        assertArrayEquals(R50K.encodeOrdinary(text).toArray(), GPT2.encode(text), () -> "text: " + escape(text));
    }

    @Property(tries = 1000)
    void preTokenizerSplitsLikeTheRegex(@ForAll("texts") String text) {
        List<String> expected = new java.util.ArrayList<>();
        Matcher matcher = GPT2_PATTERN.matcher(text);
        while (matcher.find()) {
            expected.add(matcher.group());
        }
        assertEquals(expected, PreTokenizer.split(text), () -> "text: " + escape(text));
    }

    @Test
    void longPiecesTakeTheHeapPathAndStillAgree() {
        // Pieces longer than 128 bytes are merged with a heap instead of a linear scan.
        String[] texts = {"1".repeat(5000), "a".repeat(3001), " ".repeat(700) + "x", "ab".repeat(900),
            "\u00e9".repeat(400), "\uD83D\uDE00".repeat(300), "Supercalifragilistic".repeat(40),
            "-=".repeat(250), "\u4E00\u4E8C".repeat(150)};
        for (String text : texts) {
            int[] ids = GPT2.encode(text);
            assertArrayEquals(R50K.encodeOrdinary(text).toArray(), ids, () -> "text of length " + text.length());
            assertArrayEquals(GPT2.encodeAndShowWork(text).ids(), ids);
            assertEquals(text, GPT2.decode(ids));
        }
    }

    static String escape(String text) {
        StringBuilder sb = new StringBuilder();
        text.codePoints().forEach(cp -> sb.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp)
                : String.format("\\u{%X}", cp)));
        return sb.toString();
    }
}
