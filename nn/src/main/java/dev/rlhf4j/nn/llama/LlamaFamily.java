package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.DecoderModel;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.nn.model.ModelFamily;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Llama family as a {@link ModelFamily}: {@code model_type} llama (Llama 2 and 3, SmolLM2, TinyLlama), qwen2
 * (Qwen2, Qwen2.5) and qwen3, one set of classes whose differences are {@link LlamaConfig} flags.
 */
public final class LlamaFamily implements ModelFamily {
    /** The {@code model_type} values this family reads. */
    public static final List<String> MODEL_TYPES = List.of("llama", "qwen2", "qwen3");

    @Override
    public List<String> modelTypes() {
        return MODEL_TYPES;
    }

    @Override
    public ModelConfig readConfig(Path file) {
        return LlamaConfigReader.read(file);
    }

    @Override
    public void checkSizes(ModelConfig config, Path configFile, SafetensorsReader reader) {
        LlamaCheckpoint.checkSizes((LlamaConfig) config, configFile, reader);
    }

    @Override
    public CausalLM newCausalLM(ModelConfig config, DType type) {
        return new LlamaForCausalLM((LlamaConfig) config, type);
    }

    @Override
    public DecoderModel newModel(String prefix, ModelConfig config, DType type) {
        return new LlamaModel(prefix, (LlamaConfig) config, type);
    }

    @Override
    public String basePrefix() {
        return LlamaForCausalLM.PREFIX;
    }

    @Override
    public String sequenceClassificationArchitecture() {
        return "LlamaForSequenceClassification";
    }

    @Override
    public Map<String, ModelConfig> presets() {
        Map<String, ModelConfig> presets = new LinkedHashMap<>();
        presets.put("llama-tiny", LlamaConfig.tiny());
        presets.put("smollm2-135m", LlamaConfig.smollm2135m());
        presets.put("qwen3-0.6b", LlamaConfig.qwen306b());
        return presets;
    }

    @Override
    public String layerPrefix(int layer) {
        return "layers." + layer + ".";
    }
}
