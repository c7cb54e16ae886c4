package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.rlhf.Checkpointable;
import java.util.function.LongConsumer;

/**
 * A trainer a run can checkpoint and resume: it runs its steps from where {@link #restoreState} left it, calls back
 * after each (where the run writes a checkpoint), and writes its own part of a checkpoint (AdamW and counters,
 * {@link TrainerState}); the weights it trains are another part, saved by their owner.
 */
public interface CheckpointedTrainer extends Checkpointable {
    /** The steps from the current one on, calling {@code afterStep} with each one's number once it is reported. */
    void train(LongConsumer afterStep);

    /** Frees the optimizer's moments; the models belong to the caller. */
    void release();
}
