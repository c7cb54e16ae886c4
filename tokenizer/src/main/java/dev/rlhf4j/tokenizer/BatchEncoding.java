package dev.rlhf4j.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * A batch of token sequences laid out as rectangles that a model consumes directly.
 *
 * <p>Position ids follow HF's {@code position_ids = attention_mask.cumsum(-1) - 1}: each real token's
 * position is the number of real tokens before it, so a left-padded prompt starts at position 0 exactly as
 * it would unpadded, and its logits match the unpadded forward pass. Pad positions get 0 (HF's
 * {@code generate} writes 1 there with {@code masked_fill(mask == 0, 1)}; either value is only ever seen
 * by masked-out positions, and 0 is what the project's reference fixture {@code left_padded_batch} records).
 *
 * @param inputIds (B, T) token ids, {@link BatchOptions#padId()} at pad positions
 * @param attentionMask (B, T) 1 at real tokens, 0 at pads
 * @param positionIds (B, T) cumsum(mask) - 1 at real tokens, 0 at pads
 */
public record BatchEncoding(int[][] inputIds, int[][] attentionMask, int[][] positionIds) {

    /**
     * Truncates each sequence to {@code options.maxLength()} (if set) on the truncation side, then pads all to
     * the longest (or to maxLength) on the padding side.
     */
    public static BatchEncoding pad(List<int[]> sequences, BatchOptions options) {
        int batch = sequences.size();
        int[][] kept = new int[batch][];
        int width = options.padToMaxLength() ? options.maxLength() : 0;
        for (int b = 0; b < batch; b++) {
            int[] seq = sequences.get(b);
            int max = options.maxLength();
            if (max > 0 && seq.length > max) {
                seq = options.truncation() == BatchOptions.Side.LEFT
                        ? Arrays.copyOfRange(seq, seq.length - max, seq.length)
                        : Arrays.copyOf(seq, max);
            }
            kept[b] = seq;
            width = Math.max(width, seq.length);
        }
        int[][] ids = new int[batch][width];         // (B, T)
        int[][] mask = new int[batch][width];        // (B, T)
        int[][] positions = new int[batch][width];   // (B, T)
        for (int b = 0; b < batch; b++) {
            int[] seq = kept[b];
            int offset = options.padding() == BatchOptions.Side.LEFT ? width - seq.length : 0;
            Arrays.fill(ids[b], options.padId());
            for (int t = 0; t < seq.length; t++) {
                ids[b][offset + t] = seq[t];
                mask[b][offset + t] = 1;
                positions[b][offset + t] = t;
            }
        }
        return new BatchEncoding(ids, mask, positions);
    }

    /** Number of rows (B). */
    public int batchSize() {
        return inputIds.length;
    }

    /** Number of columns (T). */
    public int length() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** The real (unpadded) tokens of row {@code b}. */
    public int[] tokens(int b) {
        int[] row = inputIds[b];
        int[] m = attentionMask[b];
        return java.util.stream.IntStream.range(0, row.length).filter(t -> m[t] == 1).map(t -> row[t]).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchEncoding e && Arrays.deepEquals(inputIds, e.inputIds)
                && Arrays.deepEquals(attentionMask, e.attentionMask) && Arrays.deepEquals(positionIds, e.positionIds);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {inputIds, attentionMask, positionIds});
    }

    @Override
    public String toString() {
        return "BatchEncoding[inputIds=" + Arrays.deepToString(inputIds) + ", attentionMask="
                + Arrays.deepToString(attentionMask) + ", positionIds=" + Arrays.deepToString(positionIds) + "]";
    }
}
