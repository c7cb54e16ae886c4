package dev.rlhf4j.rlhf.data;

/** One line of a prompt-completion dataset, TRL's SFT shape {@code {"prompt": ..., "completion": ...}}. */
public record SftRecord(String prompt, String completion) {
    public SftRecord {
        DatasetFormat.requireText("prompt", prompt);
        DatasetFormat.requireText("completion", completion);
    }
}
