package dev.rlhf4j.rlhf.data;

/** A tokenized preference pair: one prompt and two completions of it, {@code chosen} preferred to {@code rejected}. */
public record PreferenceExample(int[] prompt, int[] chosen, int[] rejected) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public PreferenceExample {
        if (prompt.length == 0 || chosen.length == 0 || rejected.length == 0) {
            throw new IllegalArgumentException("a preference pair needs a prompt, a chosen and a rejected completion of at least"
                    + " one token each, got " + prompt.length + ", " + chosen.length + " and " + rejected.length);
        }
    }

    public CompletionExample chosenExample() {
        return new CompletionExample(prompt, chosen);
    }

    public CompletionExample rejectedExample() {
        return new CompletionExample(prompt, rejected);
    }
}
