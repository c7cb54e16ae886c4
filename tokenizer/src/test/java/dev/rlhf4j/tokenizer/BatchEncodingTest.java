package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Padding, truncation, attention masks and position ids of {@link BatchEncoding}. */
class BatchEncodingTest {

    private static final int PAD = 50256;

    @Test
    void leftPaddingMatchesTheReferenceFixtureLayout() {
        // gpt2-tiny-random/reference.json left_padded_batch: row 1 is 4 tokens left-padded to 7.
        BatchEncoding batch = BatchEncoding.pad(
                List.of(new int[] {59, 296, 250, 241, 248, 117, 347}, new int[] {417, 221, 476, 384}),
                BatchOptions.leftPadded(0));
        assertArrayEquals(new int[][] {{59, 296, 250, 241, 248, 117, 347}, {0, 0, 0, 417, 221, 476, 384}},
                batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1}}, batch.attentionMask());
        assertArrayEquals(new int[][] {{0, 1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 1, 2, 3}}, batch.positionIds());
    }

    @Test
    void rightPaddingPutsPadsAfterTheTokensWithPositionZero() {
        BatchEncoding batch = BatchEncoding.pad(List.of(new int[] {5, 6, 7}, new int[] {8}), BatchOptions.rightPadded(PAD));
        assertArrayEquals(new int[][] {{5, 6, 7}, {8, PAD, PAD}}, batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1, 1}, {1, 0, 0}}, batch.attentionMask());
        assertArrayEquals(new int[][] {{0, 1, 2}, {0, 0, 0}}, batch.positionIds());
        assertArrayEquals(new int[] {8}, batch.tokens(1));
        assertEquals(2, batch.batchSize());
        assertEquals(3, batch.length());
    }

    @Test
    void leftTruncationKeepsTheLatestTokensRightTruncationTheFirst() {
        List<int[]> rows = List.of(new int[] {1, 2, 3, 4, 5}, new int[] {9});
        BatchEncoding left = BatchEncoding.pad(rows, BatchOptions.leftPadded(PAD).withMaxLength(3, BatchOptions.Side.LEFT));
        assertArrayEquals(new int[][] {{3, 4, 5}, {PAD, PAD, 9}}, left.inputIds());
        BatchEncoding right = BatchEncoding.pad(rows,
                BatchOptions.rightPadded(PAD).withMaxLength(3, BatchOptions.Side.RIGHT));
        assertArrayEquals(new int[][] {{1, 2, 3}, {9, PAD, PAD}}, right.inputIds());
        assertArrayEquals(new int[][] {{0, 1, 2}, {0, 0, 0}}, right.positionIds());
    }

    @Test
    void padToMaxLengthWidensEveryRow() {
        BatchEncoding batch = BatchEncoding.pad(List.of(new int[] {1, 2}),
                BatchOptions.leftPadded(PAD).withMaxLength(4, BatchOptions.Side.LEFT).withPadToMaxLength());
        assertArrayEquals(new int[][] {{PAD, PAD, 1, 2}}, batch.inputIds());
        assertArrayEquals(new int[][] {{0, 0, 0, 1}}, batch.positionIds());
    }

    @Test
    void encodeBatchEncodesEachTextThenPads() {
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        BatchEncoding batch = gpt2.encodeBatch(List.of("Hello world", "Hi"), BatchOptions.leftPadded(gpt2.eosTokenId()));
        assertArrayEquals(new int[][] {{15496, 995}, {PAD, 17250}}, batch.inputIds());
        assertEquals("Hi", gpt2.decode(batch.tokens(1)));
        assertEquals(batch, gpt2.encodeBatch(List.of("Hello world", "Hi"), BatchOptions.leftPadded(PAD)));
    }

    @Test
    void invalidOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BatchOptions(-1, BatchOptions.Side.LEFT, 0,
                BatchOptions.Side.LEFT, false));
        assertThrows(IllegalArgumentException.class, () -> BatchOptions.leftPadded(0).withPadToMaxLength());
    }
}
