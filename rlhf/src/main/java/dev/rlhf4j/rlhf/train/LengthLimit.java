package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.util.Arrays;

/**
 * TRL's {@code max_length} on prompt + completion. An example that is too long loses prompt tokens from the left
 * first (the completion is what the loss scores), keeping at least one; only a completion that alone exceeds
 * {@code maxLength - 1} is cut at its end. A pair keeps one prompt for both completions, so the prompt is cut to
 * fit the longer one. Nothing is dropped: trainers count the examples that were cut.
 *
 * @param maxLength the most tokens of a row, at least 2 (one prompt and one completion token)
 */
public record LengthLimit(int maxLength) {
    public LengthLimit {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max_length must be at least 2 (one prompt and one completion token), got " + maxLength);
        }
    }

    /** The smaller of the configured {@code max_length} and the model's {@code n_positions}. */
    public static LengthLimit of(int maxLength, int nPositions) {
        return new LengthLimit(Math.min(maxLength, nPositions));
    }

    public boolean exceeds(CompletionExample e) {
        return e.prompt().length + e.completion().length > maxLength;
    }

    public boolean exceeds(PreferenceExample e) {
        return e.prompt().length + Math.max(e.chosen().length, e.rejected().length) > maxLength;
    }

    /** {@code e} itself when it fits, else the cut example. */
    public CompletionExample apply(CompletionExample e) {
        if (!exceeds(e)) {
            return e;
        }
        int[] prompt = keepPromptEnd(e.prompt(), e.completion().length);
        return new CompletionExample(prompt, Arrays.copyOf(e.completion(), Math.min(e.completion().length, maxLength - prompt.length)));
    }

    /** {@code e} itself when it fits, else the cut pair. */
    public PreferenceExample apply(PreferenceExample e) {
        if (!exceeds(e)) {
            return e;
        }
        int[] prompt = keepPromptEnd(e.prompt(), Math.max(e.chosen().length, e.rejected().length));
        int room = maxLength - prompt.length;
        return new PreferenceExample(prompt, Arrays.copyOf(e.chosen(), Math.min(e.chosen().length, room)),
                Arrays.copyOf(e.rejected(), Math.min(e.rejected().length, room)));
    }

    private int[] keepPromptEnd(int[] prompt, int completion) {
        int keep = Math.max(1, Math.min(prompt.length, maxLength - completion));
        return Arrays.copyOfRange(prompt, prompt.length - keep, prompt.length);
    }
}
