package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The reward model a {@code reward} run trains: in a checkpoint and at the end a {@code GPT2ForSequenceClassification}
 * folder ({@code model/}), ready for {@code ppo --reward-model}.
 */
record RewardModelWeights(RewardModel model) implements TrainedWeights {
    @Override
    public Map<String, Tensor> trained() {
        return model.namedParameters();
    }

    @Override
    public void saveState(Path dir) throws IOException {
        model.save(dir.resolve(TrainingRun.MODEL));
    }

    @Override
    public void restoreState(Path dir) {
        RewardModel saved = RewardModel.fromPretrained(dir.resolve(TrainingRun.MODEL), model.dtype());
        try {
            model.copyParametersFrom(saved);
        } finally {
            saved.release();
        }
    }

    @Override
    public void saveTo(TrainingRun run, Gpt2Tokenizer tokenizer) {
        run.saveFolder(TrainingRun.MODEL, dir -> {
            model.save(dir);
            TokenizerFiles.save(tokenizer, dir);
        });
    }
}
