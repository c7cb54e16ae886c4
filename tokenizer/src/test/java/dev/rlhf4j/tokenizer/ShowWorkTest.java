package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Gpt2Tokenizer#encodeAndShowWork}: pieces, symbols, merges in rank order, and a readable trace. */
class ShowWorkTest {

    private static final Gpt2Tokenizer GPT2 = Gpt2Tokenizer.gpt2();

    @Test
    void showsPiecesSymbolsMergesAndIds() {
        ShownWork work = GPT2.encodeAndShowWork("Hello world!!");
        assertEquals(List.of("Hello", " world", "!!"), work.pieces().stream().map(ShownWork.Piece::text).toList());
        ShownWork.Piece world = work.pieces().get(1);
        assertEquals("\u0120world", world.symbols());
        assertEquals(List.of("\u0120world"), world.tokens());
        assertArrayEquals(new int[] {995}, world.ids());
        // " world": Ġ w o r l d -> the first merge applied is the lowest-ranked pair present.
        ShownWork.Merge first = world.merges().get(0);
        assertEquals(List.of("\u0120", "w"), List.of(first.left(), first.right()));
        int previous = -1;
        for (ShownWork.Merge merge : world.merges()) {
            assertTrue(merge.rank() > previous, "merges must be applied in increasing rank");
            previous = merge.rank();
        }
        assertEquals(List.of("\u0120world"), world.merges().get(world.merges().size() - 1).result());
        assertArrayEquals(GPT2.encode("Hello world!!"), work.ids());
    }

    @Test
    void mergesAllOccurrencesOfAPairInOneStepLikeEncoderPy() {
        ShownWork.Piece piece = GPT2.encodeAndShowWork("aaaa").pieces().get(0);
        assertEquals(List.of("aa", "aa"), piece.merges().get(0).result());
        assertEquals(List.of("aaaa"), piece.tokens());
    }

    @Test
    void toStringIsAReadableTrace() {
        String trace = GPT2.encodeAndShowWork("I'm\nok").toString();
        assertTrue(trace.startsWith("text \"I'm\\nok\" -> 4 pieces"), trace);
        assertTrue(trace.contains("piece \"'m\" -> bytes as symbols \"'m\""), trace);
        assertTrue(trace.contains("piece \"\\n\" -> bytes as symbols \"\u010A\""), trace);
        assertTrue(trace.contains("merge 1: (\"o\", \"k\") rank"), trace);
        assertTrue(trace.endsWith("ids [40, 1101, 198, 482]"), trace);
    }
}
