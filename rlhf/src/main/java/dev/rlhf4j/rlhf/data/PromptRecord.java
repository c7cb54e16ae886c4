package dev.rlhf4j.rlhf.data;

/** One line of a prompt-only dataset, TRL's PPO shape {@code {"prompt": ...}}: the policy writes the completion. */
public record PromptRecord(String prompt) {
    public PromptRecord {
        DatasetFormat.requireText("prompt", prompt);
    }
}
