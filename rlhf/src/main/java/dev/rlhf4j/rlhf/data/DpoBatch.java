package dev.rlhf4j.rlhf.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * B preference pairs as the one batch of 2B rows that DPO runs through the policy in a single forward
 * (TRL's {@code concatenated_inputs}): rows 0 .. B-1 are prompt + chosen, rows B .. 2B-1 prompt + rejected, all
 * right-padded to one length.
 * <pre>
 *   prompt      keeps its last  maxPromptLength tokens                 (cut on the left)
 *   completion  keeps its first maxLength - |kept prompt| tokens       (cut on the right)
 * </pre>
 * A sequence shortened by either rule counts in {@link #truncated}.
 *
 * @param rows      the 2B prompt + completion rows with their completion mask   (2B, T)
 * @param pairs     B
 * @param truncated how many of the 2B sequences were shortened
 */
public record DpoBatch(CompletionBatch rows, int pairs, int truncated) {

    /**
     * Truncates and batches {@code examples}, padding with {@code padId}.
     *
     * @param maxPositions the model's context length; a kept sequence longer than this is an error naming the pair
     */
    public static DpoBatch of(List<PreferenceExample> examples, int maxLength, int maxPromptLength, int padId, int maxPositions) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("DpoBatch: a batch needs at least one preference pair");
        }
        List<CompletionExample> chosen = new ArrayList<>(examples.size());
        List<CompletionExample> rejected = new ArrayList<>(examples.size());
        int truncated = 0;
        for (int i = 0; i < examples.size(); i++) {
            PreferenceExample e = examples.get(i);
            PreferenceExample kept = truncate(e, maxLength, maxPromptLength);
            boolean promptCut = kept.prompt().length < e.prompt().length;
            truncated += promptCut || kept.chosen().length < e.chosen().length ? 1 : 0;
            truncated += promptCut || kept.rejected().length < e.rejected().length ? 1 : 0;
            int longest = kept.prompt().length + Math.max(kept.chosen().length, kept.rejected().length);
            if (longest > maxPositions) {
                throw new IllegalArgumentException("DpoBatch: pair " + i + " keeps " + longest + " tokens after truncation, more than"
                        + " the model's " + maxPositions + " positions; lower max_length to at most " + maxPositions);
            }
            chosen.add(kept.chosenExample());
            rejected.add(kept.rejectedExample());
        }
        List<CompletionExample> rows = new ArrayList<>(chosen);
        rows.addAll(rejected);
        return new DpoBatch(CompletionBatch.of(rows, padId), examples.size(), truncated);
    }

    /** The pair as this batching keeps it: the prompt's last maxPromptLength tokens, each completion's first ones that fit. */
    public static PreferenceExample truncate(PreferenceExample e, int maxLength, int maxPromptLength) {
        int[] prompt = e.prompt().length > maxPromptLength
                ? Arrays.copyOfRange(e.prompt(), e.prompt().length - maxPromptLength, e.prompt().length)
                : e.prompt();
        int room = maxLength - prompt.length;
        return new PreferenceExample(prompt, cut(e.chosen(), room), cut(e.rejected(), room));
    }

    /** Every prompt + chosen and prompt + rejected sequence of {@code examples} as this batching keeps it (for a reference cache). */
    public static List<int[]> sequences(List<PreferenceExample> examples, int maxLength, int maxPromptLength) {
        List<int[]> out = new ArrayList<>(2 * examples.size());
        for (PreferenceExample e : examples) {
            PreferenceExample kept = truncate(e, maxLength, maxPromptLength);
            out.add(kept.chosenExample().tokens());
            out.add(kept.rejectedExample().tokens());
        }
        return out;
    }

    private static int[] cut(int[] completion, int room) {
        return completion.length > room ? Arrays.copyOf(completion, room) : completion;
    }

    /** Number of completion tokens of the chosen rows. */
    public int chosenTokens() {
        int n = 0;
        for (int b = 0; b < pairs; b++) {
            n += rows.completionLengths()[b];
        }
        return n;
    }

    /** Number of completion tokens of the rejected rows. */
    public int rejectedTokens() {
        return rows.completionTokens() - chosenTokens();
    }
}
