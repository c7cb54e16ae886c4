package dev.rlhf4j.nn.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Padding, truncation, attention masks, position ids and last real tokens of {@link PaddedBatch}. */
class PaddedBatchTest {

    private static final int PAD = 50256;

    @Test
    void leftPaddingMatchesTheReferenceFixtureLayout() {
        // gpt2-tiny-random/reference.json left_padded_batch: row 1 is 4 tokens left-padded to 7.
        PaddedBatch batch = PaddedBatch.leftPadded(
                List.of(new int[] {59, 296, 250, 241, 248, 117, 347}, new int[] {417, 221, 476, 384}), 0);
        assertArrayEquals(new int[][] {{59, 296, 250, 241, 248, 117, 347}, {0, 0, 0, 417, 221, 476, 384}},
                batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1}}, batch.attentionMask());
        assertArrayEquals(new int[][] {{0, 1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 1, 2, 3}}, batch.positionIds());
        assertArrayEquals(new int[] {6, 6}, batch.lastIndex());
        assertTrue(batch.isPadded());
    }

    @Test
    void rightPaddingPutsPadsAfterTheTokensWithPositionZero() {
        PaddedBatch batch = PaddedBatch.rightPadded(List.of(new int[] {5, 6, 7}, new int[] {8}), PAD);
        assertArrayEquals(new int[][] {{5, 6, 7}, {8, PAD, PAD}}, batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1, 1}, {1, 0, 0}}, batch.attentionMask());
        assertArrayEquals(new int[][] {{0, 1, 2}, {0, 0, 0}}, batch.positionIds());
        assertArrayEquals(new int[] {2, 0}, batch.lastIndex());
        assertArrayEquals(new int[] {8}, batch.tokens(1));
        assertEquals(2, batch.batchSize());
        assertEquals(3, batch.length());
    }

    @Test
    void leftTruncationKeepsTheLatestTokensRightTruncationTheFirst() {
        List<int[]> rows = List.of(new int[] {1, 2, 3, 4, 5}, new int[] {9});
        PaddedBatch left = PaddedBatch.pad(rows, Padding.left(PAD).withMaxLength(3, Padding.Side.LEFT));
        assertArrayEquals(new int[][] {{3, 4, 5}, {PAD, PAD, 9}}, left.inputIds());
        PaddedBatch right = PaddedBatch.pad(rows, Padding.right(PAD).withMaxLength(3, Padding.Side.RIGHT));
        assertArrayEquals(new int[][] {{1, 2, 3}, {9, PAD, PAD}}, right.inputIds());
        assertArrayEquals(new int[][] {{0, 1, 2}, {0, 0, 0}}, right.positionIds());
    }

    @Test
    void padToMaxLengthWidensEveryRow() {
        PaddedBatch batch = PaddedBatch.pad(List.of(new int[] {1, 2}),
                Padding.left(PAD).withMaxLength(4, Padding.Side.LEFT).withPadToMaxLength());
        assertArrayEquals(new int[][] {{PAD, PAD, 1, 2}}, batch.inputIds());
        assertArrayEquals(new int[][] {{0, 0, 0, 1}}, batch.positionIds());
    }

    @Test
    void appendingAColumnContinuesEachRowsPositions() {
        PaddedBatch batch = PaddedBatch.leftPadded(List.of(new int[] {5, 6, 7}, new int[] {8}), PAD).append(new int[] {1, 2});
        assertArrayEquals(new int[][] {{5, 6, 7, 1}, {PAD, PAD, 8, 2}}, batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1, 1, 1}, {0, 0, 1, 1}}, batch.attentionMask());
        assertArrayEquals(new int[][] {{0, 1, 2, 3}, {0, 0, 0, 1}}, batch.positionIds());
        assertArrayEquals(new int[] {3, 3}, batch.lastIndex());
        assertEquals(PaddedBatch.leftPadded(List.of(new int[] {5, 6, 7, 1}, new int[] {8, 2}), PAD), batch);
        assertThrows(IllegalArgumentException.class, () -> batch.append(new int[] {1}));
    }

    @Test
    void givenPositionIdsReplaceTheMasksAndAppendingContinuesThem() {
        PaddedBatch batch = PaddedBatch.rightPadded(List.of(new int[] {5, 6, 7}), PAD).withPositionIds(new int[][] {{0, 0, 1}});
        assertArrayEquals(new int[][] {{0, 0, 1}}, batch.positionIds());
        assertArrayEquals(new int[][] {{0, 0, 1, 2}}, batch.append(new int[] {4}).positionIds());
        assertThrows(ShapeException.class, () -> batch.withPositionIds(new int[][] {{0, 1}}));
    }

    @Test
    void tensorsHoldTheRequestedColumns() {
        PaddedBatch batch = PaddedBatch.leftPadded(List.of(new int[] {5, 6, 7}, new int[] {8}), PAD);
        try (Arena a = Arena.open()) {
            Tensor ids = batch.inputIdTensor(1, 3);
            assertEquals(DType.INT64, ids.dtype());
            assertArrayEquals(new long[] {6, 7, PAD, 8}, ids.toLongArray());
            assertArrayEquals(new long[] {1, 2, 0, 0}, batch.positionIdTensor(1, 3).toLongArray());
            assertArrayEquals(new double[] {1, 1, 1, 0, 0, 1}, batch.maskTensor(DType.FLOAT64).toDoubleArray(), 0.0);
            assertThrows(IllegalArgumentException.class, () -> batch.inputIdTensor(2, 4));
        }
    }

    @Test
    void lastIndexOfAnyMaskIsItsLastNonzeroColumn() {
        try (Arena a = Arena.open()) {
            Tensor mask = Tensor.of(new double[] {0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1}, DType.FLOAT64, 3, 4);
            assertArrayEquals(new int[] {2, -1, 3}, PaddedBatch.lastIndex(mask));
            assertThrows(ShapeException.class, () -> PaddedBatch.lastIndex(Tensor.ones(DType.FLOAT64, 4)));
        }
    }

    @Test
    void anEmptyRowOrBatchOrBadPaddingIsRejected() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> PaddedBatch.leftPadded(List.of(new int[] {1}, new int[0]), PAD));
        assertTrue(empty.getMessage().contains("row 1"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PaddedBatch.rightPadded(List.of(), PAD));
        assertThrows(IllegalArgumentException.class, () -> new Padding(-1, Padding.Side.LEFT, 0, Padding.Side.LEFT, false));
        assertThrows(IllegalArgumentException.class, () -> Padding.left(0).withPadToMaxLength());
        assertFalse(PaddedBatch.leftPadded(List.of(new int[] {1, 2}, new int[] {3, 4}), PAD).isPadded());
    }
}
