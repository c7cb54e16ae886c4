package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Checkpointable;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.Map;

/**
 * The weights a run trains ({@link PolicyWeights}, {@link RewardModelWeights}): a part of each checkpoint, checked
 * finite before it is written, and the model the run saves at the end.
 */
interface TrainedWeights extends Checkpointable {
    /** The tensors the optimizer updates, by name. */
    Map<String, Tensor> trained();

    /** Saves the trained model with {@code tokenizer} into the run folder. */
    void saveTo(TrainingRun run, Gpt2Tokenizer tokenizer);
}
