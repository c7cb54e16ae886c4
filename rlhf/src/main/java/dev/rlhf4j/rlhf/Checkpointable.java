package dev.rlhf4j.rlhf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A part of a training run with state of its own in a checkpoint folder ({@code <run>/checkpoints/step-<n>/}): a
 * trainer (AdamW's moments and its counters), the trained weights, a reference that moves with the policy. The run's
 * assembly hands each part the folder; only the part knows the names of its files.
 */
public interface Checkpointable {
    /** Writes this part's state into the checkpoint folder {@code dir}. */
    void saveState(Path dir) throws IOException;

    /** Continues from what {@link #saveState} wrote into {@code dir}. */
    void restoreState(Path dir);
}
