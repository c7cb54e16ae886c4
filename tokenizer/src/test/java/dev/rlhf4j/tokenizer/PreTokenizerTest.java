package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** GPT-2's split rules on hand-picked text; the regex differential is in {@link JtokkitDifferentialProperties}. */
class PreTokenizerTest {

    @Test
    void contractionsAreCaseSensitiveAndOnlyAfterAnApostrophe() {
        assertEquals(List.of("I", "'m", " here", ",", " you", "'re", " not", "'", "S"),
                PreTokenizer.split("I'm here, you're not'S"));
        assertEquals(List.of("''", "s"), PreTokenizer.split("''s"));
        assertEquals(List.of("don", "'t", "'ll"), PreTokenizer.split("don't'll"));
    }

    @Test
    void aSpaceJoinsTheFollowingLetterNumberOrPunctuationRun() {
        assertEquals(List.of("a", " 12", " !?", " \u00E9t\u00E9", " \u4F60\u597D"),
                PreTokenizer.split("a 12 !? \u00E9t\u00E9 \u4F60\u597D"));
        assertEquals(List.of("x", "\u00BD\u2167", " \u0661"), PreTokenizer.split("x\u00BD\u2167 \u0661"),
                "No, Nl and non-ASCII Nd are all numbers");
    }

    @Test
    void whitespaceRunGivesItsLastCharacterToTheNextWord() {
        assertEquals(List.of("a", "  ", " b"), PreTokenizer.split("a   b"));
        assertEquals(List.of("a", "\n", "\n", "b"), PreTokenizer.split("a\n\nb"));
        assertEquals(List.of("a", " ", "\n", "b"), PreTokenizer.split("a \nb"));
        assertEquals(List.of("end", "   "), PreTokenizer.split("end   "));
        assertEquals(List.of("\t", "x"), PreTokenizer.split("\tx"));
    }

    @Test
    void whitespaceIsTheUnicodePropertyNotJavaIsWhitespace() {
        // U+00A0 and U+3000 are White_Space (Java's isWhitespace says no); U+001C is not (Java says yes).
        assertEquals(List.of("a", "\u00A0", "b"), PreTokenizer.split("a\u00A0b"));
        assertEquals(List.of("a", "\u3000\u3000"), PreTokenizer.split("a\u3000\u3000"));
        assertEquals(List.of("a", "\u001C", "b"), PreTokenizer.split("a\u001Cb"));
        assertEquals(List.of("a", " \u001C\u001D"), PreTokenizer.split("a \u001C\u001D"));
    }

    @Test
    void supplementaryLettersAndEmojiAreOneCodePoint() {
        assertEquals(List.of("\uD835\uDC00\uD835\uDC01", " \uD83D\uDE00\uD83D\uDE00"),
                PreTokenizer.split("\uD835\uDC00\uD835\uDC01 \uD83D\uDE00\uD83D\uDE00"));
    }
}
