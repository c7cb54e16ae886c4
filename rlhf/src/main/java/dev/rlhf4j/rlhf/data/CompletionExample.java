package dev.rlhf4j.rlhf.data;

/**
 * A tokenized prompt and the completion that follows it: one SFT example, or one PPO rollout's query and response.
 * The loss and the log-probs score only the completion's tokens.
 */
public record CompletionExample(int[] prompt, int[] completion) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public CompletionExample {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("a completion example needs at least one prompt token");
        }
        if (completion.length == 0) {
            throw new IllegalArgumentException("a completion example needs at least one completion token");
        }
    }

    /** Prompt and completion as one sequence. */
    public int[] tokens() {
        int[] all = java.util.Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, all, prompt.length, completion.length);
        return all;
    }
}
