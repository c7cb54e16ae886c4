package dev.rlhf4j.nn.batch;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Token sequences of different lengths laid out as one rectangle, with what a model needs to treat each row as if
 * it stood alone (Hugging Face's names):
 * <pre>
 *   input_ids       (B, T)  the tokens; the pad id at pad positions
 *   attention_mask  (B, T)  1 at real tokens, 0 at pads
 *   position_ids    (B, T)  cumsum(attention_mask) - 1 at real tokens, 0 at pads
 *   last            (B)     the column of each row's last real token
 * </pre>
 * A real token's position is the number of real tokens before it, so a left-padded prompt starts at position 0
 * exactly as it would unpadded, and its logits match the unpadded forward pass. Pads get position 0 (HF's
 * {@code generate} writes 1 there; only masked-out positions ever see the value, and 0 is what the reference
 * fixture {@code left_padded_batch} records). The last real token is where a reward model reads its score.
 *
 * <p>Ids are {@code int}s, as the tokenizer produces them; {@link #inputIdTensor} makes the model's int64 id
 * tensor. Immutable; every row holds at least one real token. Generation grows a left-padded batch one column
 * at a time with {@link #append}.
 */
public final class PaddedBatch {
    private final int rows;
    private final int width;
    private final int[] ids;                     // (B, T) row-major
    private final int[] mask;                    // (B, T)
    private final int[] positions;               // (B, T)
    private final int[] last;                    // (B)
    private final boolean padded;                // some mask entry is 0

    private PaddedBatch(int rows, int width, int[] ids, int[] mask, int[] positions) {
        if (rows == 0) {
            throw new IllegalArgumentException("PaddedBatch: no rows");
        }
        this.rows = rows;
        this.width = width;
        this.ids = ids;
        this.mask = mask;
        this.positions = positions;
        this.last = lastIndex(rows, width, i -> mask[i] != 0);
        for (int r = 0; r < rows; r++) {
            if (last[r] < 0) {
                throw new IllegalArgumentException("PaddedBatch: row " + r + " has no real token");
            }
        }
        this.padded = Arrays.stream(mask).anyMatch(m -> m == 0);
    }

    /** Pads on the left to the longest row: every row ends in the last column, as generation needs. */
    public static PaddedBatch leftPadded(List<int[]> sequences, int padId) {
        return pad(sequences, Padding.left(padId));
    }

    /** Pads on the right to the longest row: every row starts in the first column. */
    public static PaddedBatch rightPadded(List<int[]> sequences, int padId) {
        return pad(sequences, Padding.right(padId));
    }

    /**
     * Truncates each sequence to {@code padding.maxLength()} (if set) on the truncation side, then pads all to
     * the longest (or to maxLength) on the padding side.
     */
    public static PaddedBatch pad(List<int[]> sequences, Padding padding) {
        int b = sequences.size();
        int[][] kept = new int[b][];
        int width = padding.padToMaxLength() ? padding.maxLength() : 0;
        for (int r = 0; r < b; r++) {
            kept[r] = truncate(sequences.get(r), padding);
            width = Math.max(width, kept[r].length);
        }
        int[] ids = new int[b * width];          // (B, T)
        int[] mask = new int[b * width];         // (B, T)
        int[] positions = new int[b * width];    // (B, T)
        Arrays.fill(ids, padding.padId());
        for (int r = 0; r < b; r++) {
            int n = kept[r].length;
            int start = r * width + (padding.side() == Padding.Side.LEFT ? width - n : 0);
            System.arraycopy(kept[r], 0, ids, start, n);
            for (int j = 0; j < n; j++) {
                mask[start + j] = 1;
                positions[start + j] = j;        // cumsum(mask) - 1
            }
        }
        return new PaddedBatch(b, width, ids, mask, positions);
    }

    private static int[] truncate(int[] sequence, Padding padding) {
        int max = padding.maxLength();
        if (max == 0 || sequence.length <= max) {
            return sequence;
        }
        return padding.truncation() == Padding.Side.LEFT
                ? Arrays.copyOfRange(sequence, sequence.length - max, sequence.length)
                : Arrays.copyOf(sequence, max);
    }

    /**
     * This batch with one more column: {@code next[r]} as a real token after row r, at the position after the
     * row's last real token (again {@code cumsum(mask) - 1} when the positions follow the mask). One decoding step.
     */
    public PaddedBatch append(int[] next) {
        if (next.length != rows) {
            throw new IllegalArgumentException("PaddedBatch.append: " + next.length + " tokens for " + rows + " rows");
        }
        int w = width + 1;
        int[] ids2 = new int[rows * w];
        int[] mask2 = new int[rows * w];
        int[] positions2 = new int[rows * w];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ids, r * width, ids2, r * w, width);
            System.arraycopy(mask, r * width, mask2, r * w, width);
            System.arraycopy(positions, r * width, positions2, r * w, width);
            ids2[r * w + width] = next[r];
            mask2[r * w + width] = 1;
            positions2[r * w + width] = positions[r * width + last[r]] + 1;
        }
        return new PaddedBatch(rows, w, ids2, mask2, positions2);
    }

    /**
     * The same tokens and mask with the given position ids (B, T), as Hugging Face's {@code position_ids}
     * argument: e.g. positions that restart for each of several sequences packed into one row.
     */
    public PaddedBatch withPositionIds(int[][] positionIds) {
        if (positionIds.length != rows) {
            throw new ShapeException("PaddedBatch: " + positionIds.length + " rows of position ids for " + rows + " rows");
        }
        int[] p = new int[rows * width];
        for (int r = 0; r < rows; r++) {
            if (positionIds[r].length != width) {
                throw new ShapeException("PaddedBatch: row " + r + " has " + positionIds[r].length + " position ids for "
                        + width + " columns");
            }
            System.arraycopy(positionIds[r], 0, p, r * width, width);
        }
        return new PaddedBatch(rows, width, ids, mask, p);
    }

    /** Number of rows (B). */
    public int batchSize() {
        return rows;
    }

    /** Number of columns (T). */
    public int length() {
        return width;
    }

    /** The attention mask at (row, column): 1 for a real token, 0 for a pad. */
    public int mask(int row, int column) {
        return mask[row * width + column];
    }

    /** Whether any position is a pad. */
    public boolean isPadded() {
        return padded;
    }

    /** The ids (B, T), pads included. */
    public int[][] inputIds() {
        return rowsOf(ids);
    }

    /** The attention mask (B, T). */
    public int[][] attentionMask() {
        return rowsOf(mask);
    }

    /** The position ids (B, T). */
    public int[][] positionIds() {
        return rowsOf(positions);
    }

    /** The column of each row's last real token (B). */
    public int[] lastIndex() {
        return last.clone();
    }

    /** The real (unpadded) tokens of {@code row}. */
    public int[] tokens(int row) {
        int[] out = new int[width];
        int n = 0;
        for (int j = 0; j < width; j++) {
            if (mask(row, j) != 0) {
                out[n++] = ids[row * width + j];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Columns [from, to) of the ids as the model's int64 id tensor (B, to - from). */
    public Tensor inputIdTensor(int from, int to) {
        return Tensor.ofInts(columns(ids, from, to), rows, to - from);
    }

    /** Columns [from, to) of the position ids as an int64 tensor (B, to - from). */
    public Tensor positionIdTensor(int from, int to) {
        return Tensor.ofInts(columns(positions, from, to), rows, to - from);
    }

    /** The attention mask as a (B, T) tensor of 0 and 1 in {@code type} (a float type for masked reductions). */
    public Tensor maskTensor(DType type) {
        return Tensor.of(Arrays.stream(mask).asDoubleStream().toArray(), type, rows, width);
    }

    /**
     * The column of the last nonzero entry of each row of a (B, T) mask, or -1 for a row of zeros: the last real
     * token of an attention mask, the last completion token of a completion mask. Read on the host.
     */
    public static int[] lastIndex(Tensor mask) {
        if (mask.rank() != 2) {
            throw new ShapeException("lastIndex: the mask must be (B, T), got " + Arrays.toString(mask.shape()));
        }
        double[] m = mask.toDoubleArray();
        return lastIndex((int) mask.size(0), (int) mask.size(1), i -> m[i] != 0.0);
    }

    /** For each of {@code b} rows of {@code t} entries, the last column whose flat index is {@code nonzero}, or -1. */
    private static int[] lastIndex(int b, int t, IntPredicate nonzero) {
        int[] out = new int[b];
        for (int r = 0; r < b; r++) {
            out[r] = -1;
            for (int j = t - 1; j >= 0; j--) {
                if (nonzero.test(r * t + j)) {
                    out[r] = j;
                    break;
                }
            }
        }
        return out;
    }

    private int[] columns(int[] a, int from, int to) {
        if (from < 0 || from >= to || to > width) {
            throw new IllegalArgumentException("PaddedBatch: columns [" + from + ", " + to + ") of " + width);
        }
        int n = to - from;
        int[] out = new int[rows * n];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, r * width + from, out, r * n, n);
        }
        return out;
    }

    private int[][] rowsOf(int[] a) {
        int[][] out = new int[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(a, r * width, (r + 1) * width);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PaddedBatch p && rows == p.rows && Arrays.equals(ids, p.ids) && Arrays.equals(mask, p.mask)
                && Arrays.equals(positions, p.positions);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(mask);
    }

    @Override
    public String toString() {
        return "PaddedBatch[inputIds=" + Arrays.deepToString(inputIds()) + ", attentionMask="
                + Arrays.deepToString(attentionMask()) + ", positionIds=" + Arrays.deepToString(positionIds()) + "]";
    }
}
