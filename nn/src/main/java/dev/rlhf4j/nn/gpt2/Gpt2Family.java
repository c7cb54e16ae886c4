package dev.rlhf4j.nn.gpt2;

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

/** GPT-2 ({@code model_type} gpt2) as a {@link ModelFamily}: {@code GPT2LMHeadModel} and its checkpoint names. */
public final class Gpt2Family implements ModelFamily {
    @Override
    public List<String> modelTypes() {
        return List.of("gpt2");
    }

    @Override
    public ModelConfig readConfig(Path file) {
        return Gpt2Config.read(file);
    }

    @Override
    public void checkSizes(ModelConfig config, Path configFile, SafetensorsReader reader) {
        Gpt2Checkpoint.checkSizes((Gpt2Config) config, configFile, reader);
    }

    @Override
    public CausalLM newCausalLM(ModelConfig config, DType type) {
        return new Gpt2LMHeadModel((Gpt2Config) config, type);
    }

    @Override
    public DecoderModel newModel(String prefix, ModelConfig config, DType type) {
        return new Gpt2Model(prefix, (Gpt2Config) config, type);
    }

    @Override
    public String basePrefix() {
        return Gpt2LMHeadModel.PREFIX;
    }

    @Override
    public String sequenceClassificationArchitecture() {
        return "GPT2ForSequenceClassification";
    }

    @Override
    public Map<String, ModelConfig> presets() {
        Map<String, ModelConfig> presets = new LinkedHashMap<>();
        for (String name : List.of("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "tiny", "small")) {
            presets.put(name, Gpt2Config.preset(name));
        }
        return presets;
    }

    @Override
    public String layerPrefix(int layer) {
        return "h." + layer + ".";
    }
}
