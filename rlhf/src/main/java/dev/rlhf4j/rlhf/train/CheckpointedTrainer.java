package dev.rlhf4j.rlhf.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * A trainer a command can checkpoint and resume ({@link GrpoTrainer}, {@link RlooTrainer}): it runs its steps from
 * where {@link #restoreState} left it, calls back after each (where the command writes a checkpoint), and writes its
 * own part of a checkpoint (AdamW and counters, {@link TrainerState}); the command saves and restores the policy's
 * weights or LoRA factors.
 */
public interface CheckpointedTrainer {
    /** The steps of the whole run. */
    long iterations();

    /** Steps done. */
    long iteration();

    /** The steps from {@link #iteration()} on, calling {@code afterStep} with each one's number once it is reported. */
    void train(LongConsumer afterStep);

    /** Writes AdamW and the counters into {@code dir}. */
    void saveState(Path dir) throws IOException;

    /** Continues from what {@link #saveState} wrote (the policy's weights restored by the caller). */
    void restoreState(Path dir);

    /** Frees the optimizer's moments; the models belong to the caller. */
    void release();
}
