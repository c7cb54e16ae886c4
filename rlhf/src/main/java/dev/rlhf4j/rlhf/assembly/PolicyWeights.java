package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.train.TrainerState;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A policy's trained weights: its LoRA adapters when it has them, else every weight. In a checkpoint the adapters are a
 * PEFT folder ({@code adapter/}) plus their factors under the adapter's own names ({@value #TRAINABLE}, restored in
 * place on resume); a whole policy is a Hugging Face folder ({@code model/}).
 *
 * @param policy   the policy
 * @param adapters its LoRA adapters, or null when every weight trains
 */
record PolicyWeights(CausalLM policy, LoraModel adapters) implements TrainedWeights {
    static final String TRAINABLE = "trainable.safetensors";

    @Override
    public Map<String, Tensor> trained() {
        return adapters != null ? adapters.namedParameters() : policy.namedParameters();
    }

    @Override
    public void saveState(Path dir) throws IOException {
        if (adapters != null) {
            adapters.save(dir.resolve(TrainingRun.ADAPTER));
            TrainerState.writeTensors(dir, TRAINABLE, adapters.namedParameters());
        } else {
            policy.save(dir.resolve(TrainingRun.MODEL));
        }
    }

    @Override
    public void restoreState(Path dir) {
        if (adapters != null) {
            TrainerState.readInto(dir, TRAINABLE, adapters.namedParameters());
        } else {
            CausalLM saved = AutoModel.fromPretrained(dir.resolve(TrainingRun.MODEL), policy.dtype());
            try {
                policy.copyParametersFrom(saved);
            } finally {
                saved.release();
            }
        }
    }

    /** The adapters in PEFT layout ({@code <run>/adapter/}), or the policy in Hugging Face layout ({@code <run>/model/}). */
    @Override
    public void saveTo(TrainingRun run, Gpt2Tokenizer tokenizer) {
        if (adapters != null) {
            run.saveAdapter(adapters, tokenizer);
        } else {
            run.saveModel(policy, tokenizer);
        }
    }
}
