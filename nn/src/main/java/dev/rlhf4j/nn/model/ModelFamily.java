package dev.rlhf4j.nn.model;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.io.SafetensorsReader;
import java.nio.file.Path;

/**
 * One architecture family ({@code model_type}): how its {@code config.json} reads, how its trunk and causal LM are
 * built, and the Hugging Face names its checkpoints use. Adding a family means one implementation of this in its own
 * package and one line in {@link AutoModel}.
 */
public interface ModelFamily {
    /** The {@code model_type} values this family reads. */
    java.util.List<String> modelTypes();

    /** Reads a {@code config.json} of this family strictly: a field that describes another computation is refused. */
    ModelConfig readConfig(Path file);

    /** Checks the sizes {@code config} declares against a checkpoint's header, naming key and shapes when they differ. */
    void checkSizes(ModelConfig config, Path configFile, SafetensorsReader reader);

    /** A zero-initialised causal LM. */
    CausalLM newCausalLM(ModelConfig config, DType type);

    /** A zero-initialised trunk whose parameter names start with {@code prefix} (usually {@link #basePrefix()}). */
    DecoderModel newModel(String prefix, ModelConfig config, DType type);

    /** The trunk's prefix in the causal LM's checkpoint: "transformer." (GPT-2), "model." (Llama). */
    String basePrefix();

    /** The {@code architectures} entry of a one-label sequence classifier (a reward model) of this family. */
    String sequenceClassificationArchitecture();

    /** The family's named size presets ("gpt2", "gpt2-medium", ...), each without its own vocabulary changes. */
    java.util.Map<String, ModelConfig> presets();

    /** The prefix of layer {@code layer}'s parameters inside the trunk ("h.3." for GPT-2, "layers.3." for Llama). */
    String layerPrefix(int layer);
}
