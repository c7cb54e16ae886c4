package dev.rlhf4j.rlhf.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokenized examples with the count of what truncation cut, so that nothing is shortened silently: a run reports
 * the counts (in its configuration and summary).
 *
 * @param examples             one per record, in record order
 * @param promptsTruncated     how many prompts lost tokens from the left ({@link TokenLimits#maxPromptLength})
 * @param completionsTruncated how many completions lost tokens from the right ({@link TokenLimits#maxLength}); a
 *                             preference pair counts its chosen and its rejected completion separately
 * @param <T>                  the example type
 */
public record Tokenized<T>(List<T> examples, int promptsTruncated, int completionsTruncated) {
    public Tokenized {
        examples = List.copyOf(examples);
    }

    public int size() {
        return examples.size();
    }

    /** The counts as a {@code config.json} section: examples, prompts_truncated, completions_truncated. */
    public Map<String, Integer> counts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("examples", examples.size());
        counts.put("prompts_truncated", promptsTruncated);
        counts.put("completions_truncated", completionsTruncated);
        return counts;
    }

    /** E.g. {@code "120 examples, 3 prompts truncated (left), 0 completions truncated (right)"}. */
    public String summary() {
        return examples.size() + " examples, " + promptsTruncated + " prompts truncated (left), " + completionsTruncated
                + " completions truncated (right)";
    }
}
