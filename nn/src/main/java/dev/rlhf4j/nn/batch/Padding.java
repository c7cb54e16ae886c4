package dev.rlhf4j.nn.batch;

/**
 * How {@link PaddedBatch#pad} lays sequences of different lengths out as one rectangle, as Hugging Face's
 * tokenizers do with {@code padding_side}, {@code truncation_side} and {@code max_length}.
 *
 * <p>Generation wants {@link #left}: every prompt ends at the last column, so the next token of every row is
 * predicted from the same column, and truncation drops the oldest tokens. Training on prompt + completion usually
 * wants {@link #right}. GPT-2 has no pad token; its {@code <|endoftext|>} (50256) is the usual choice, and the
 * attention mask keeps it from mattering.
 *
 * @param padId the id written into pad positions
 * @param side which side pad tokens go on
 * @param maxLength longest row kept; 0 means no truncation
 * @param truncation which side tokens are dropped from when a sequence is longer than {@code maxLength}
 * @param padToMaxLength pad every row to {@code maxLength} instead of to the longest row of the batch
 */
public record Padding(int padId, Side side, int maxLength, Side truncation, boolean padToMaxLength) {

    /** A side of a sequence. */
    public enum Side { LEFT, RIGHT }

    public Padding {
        if (padId < 0) {
            throw new IllegalArgumentException("Padding: padId must be a token id (>= 0), got " + padId);
        }
        if (side == null || truncation == null) {
            throw new IllegalArgumentException("Padding: the padding and truncation sides must be given");
        }
        if (maxLength < 0) {
            throw new IllegalArgumentException("Padding: maxLength must be >= 0 (0 = no truncation), got " + maxLength);
        }
        if (padToMaxLength && maxLength == 0) {
            throw new IllegalArgumentException("Padding: padToMaxLength needs a maxLength > 0");
        }
    }

    /** Pads on the left to the longest row, no truncation: the layout for batched generation. */
    public static Padding left(int padId) {
        return new Padding(padId, Side.LEFT, 0, Side.LEFT, false);
    }

    /** Pads on the right to the longest row, no truncation: the layout for training. */
    public static Padding right(int padId) {
        return new Padding(padId, Side.RIGHT, 0, Side.RIGHT, false);
    }

    /** The same padding, truncating rows longer than {@code maxLength} on side {@code truncation}. */
    public Padding withMaxLength(int maxLength, Side truncation) {
        return new Padding(padId, side, maxLength, truncation, padToMaxLength && maxLength > 0);
    }

    /** The same padding, widening every row to {@code maxLength} (which must be set). */
    public Padding withPadToMaxLength() {
        return new Padding(padId, side, maxLength, truncation, true);
    }
}
