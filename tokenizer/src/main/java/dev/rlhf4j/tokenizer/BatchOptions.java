package dev.rlhf4j.tokenizer;

/**
 * How {@link BatchEncoding#pad} lays sequences of different lengths out as one rectangular batch.
 *
 * <p>Generation wants {@link #leftPadded}: every prompt ends at the last column, so the next token of every
 * row is predicted from the same column, and truncation drops the oldest tokens. Training on
 * prompt + completion usually wants {@link #rightPadded}. GPT-2 has no pad token; its
 * {@code <|endoftext|>} (50256) is the usual choice, and the attention mask keeps it from mattering.
 *
 * @param padId the id written into pad positions
 * @param padding which side pad tokens go on
 * @param maxLength longest row kept; 0 means no truncation
 * @param truncation which side tokens are dropped from when a sequence is longer than {@code maxLength}
 * @param padToMaxLength pad every row to {@code maxLength} instead of to the longest row of the batch
 */
public record BatchOptions(int padId, Side padding, int maxLength, Side truncation, boolean padToMaxLength) {

    /** A side of a sequence. */
    public enum Side { LEFT, RIGHT }

    public BatchOptions {
        if (padId < 0) {
            throw new IllegalArgumentException("padId must be >= 0, got " + padId);
        }
        if (padding == null || truncation == null) {
            throw new IllegalArgumentException("padding and truncation sides must be given");
        }
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must be >= 0 (0 = no truncation), got " + maxLength);
        }
        if (padToMaxLength && maxLength == 0) {
            throw new IllegalArgumentException("padToMaxLength needs a maxLength > 0");
        }
    }

    /** Pads on the left to the longest row, no truncation: the layout for batched generation. */
    public static BatchOptions leftPadded(int padId) {
        return new BatchOptions(padId, Side.LEFT, 0, Side.LEFT, false);
    }

    /** Pads on the right to the longest row, no truncation: the layout for training. */
    public static BatchOptions rightPadded(int padId) {
        return new BatchOptions(padId, Side.RIGHT, 0, Side.RIGHT, false);
    }

    /** The same options, truncating rows longer than {@code maxLength} on side {@code truncation}. */
    public BatchOptions withMaxLength(int maxLength, Side truncation) {
        return new BatchOptions(padId, padding, maxLength, truncation, padToMaxLength && maxLength > 0);
    }

    /** The same options, padding every row to {@code maxLength} (which must be set). */
    public BatchOptions withPadToMaxLength() {
        return new BatchOptions(padId, padding, maxLength, truncation, true);
    }
}
