package dev.rlhf4j.rlhf.data;

/**
 * One line of a preference dataset, TRL's shape for the reward model and DPO
 * {@code {"prompt": ..., "chosen": ..., "rejected": ...}}: {@code chosen} is the preferred completion of {@code prompt}.
 */
public record PreferenceRecord(String prompt, String chosen, String rejected) {
    public PreferenceRecord {
        DatasetFormat.requireText("prompt", prompt);
        DatasetFormat.requireText("chosen", chosen);
        DatasetFormat.requireText("rejected", rejected);
    }
}
