package dev.rlhf4j.nn.model;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2Family;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.StrictJson;
import dev.rlhf4j.nn.llama.LlamaFamily;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The one place that maps {@code config.json}'s {@code model_type} to a {@link ModelFamily}, as Hugging Face's
 * {@code AutoModelForCausalLM} does, and loads, creates and checks models of any family through it.
 */
public final class AutoModel {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    /** The index of a sharded checkpoint ({@code weight_map}: tensor name to shard file). */
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    private static final List<ModelFamily> FAMILIES = List.of(new Gpt2Family(), new LlamaFamily());

    private AutoModel() {
    }

    /** The family that reads {@code modelType}; an unknown type is one line naming it and the supported ones. */
    public static ModelFamily family(String modelType) {
        for (ModelFamily f : FAMILIES) {
            if (f.modelTypes().contains(modelType)) {
                return f;
            }
        }
        throw new IllegalArgumentException("model_type '" + modelType + "' is not supported (supported: " + supported() + ")");
    }

    public static ModelFamily family(ModelConfig config) {
        return family(config.modelType());
    }

    private static String supported() {
        return String.join(", ", FAMILIES.stream().flatMap(f -> f.modelTypes().stream()).toList());
    }

    /**
     * Reads a {@code config.json} of any supported family. A file without {@code model_type} is read as GPT-2, as
     * the first Hugging Face checkpoints were written.
     */
    public static ModelConfig readConfig(Path file) {
        var root = StrictJson.readObject(file);
        String type = StrictJson.optionalString(root, "model_type", "gpt2", file.toString());
        try {
            return family(type).readConfig(file);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The {@code config.json} of a Hugging Face model directory, checked against the shapes in its
     * {@code model.safetensors} header (or its shards' headers) without reading a weight: what a caller may size memory
     * by before loading.
     */
    public static ModelConfig checkedConfig(Path dir) {
        CheckpointException.requireFiles(dir, "a Hugging Face model directory", CONFIG);
        Path weights = weightsFile(dir);
        Path configFile = dir.resolve(CONFIG);
        ModelConfig config;
        try {
            config = readConfig(configFile);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        try (SafetensorsReader reader = SafetensorsReader.openCheckpoint(weights)) {
            family(config).checkSizes(config, configFile, reader);
        }
        return config;
    }

    /** {@code model.safetensors}, or else the {@code model.safetensors.index.json} of a sharded checkpoint. */
    public static Path weightsFile(Path dir) {
        if (!java.nio.file.Files.isRegularFile(dir.resolve(WEIGHTS)) && java.nio.file.Files.isRegularFile(dir.resolve(WEIGHTS_INDEX))) {
            return dir.resolve(WEIGHTS_INDEX);
        }
        CheckpointException.requireFiles(dir, "a Hugging Face model directory", WEIGHTS);
        return dir.resolve(WEIGHTS);
    }

    /** Loads {@code config.json} and {@code model.safetensors} from a Hugging Face model directory, in float32. */
    public static CausalLM fromPretrained(Path dir) {
        return fromPretrained(dir, DType.FLOAT32);
    }

    /** Loads a Hugging Face model directory, converting the weights to {@code type}. */
    public static CausalLM fromPretrained(Path dir, DType type) {
        ModelConfig config = checkedConfig(dir);
        CausalLM model = family(config).newCausalLM(config, type);
        try {
            loadWeights(model, weightsFile(dir));
        } catch (RuntimeException e) {
            model.release();
            throw e;
        }
        return model;
    }

    /**
     * The tokens that end a generation: {@code generation_config.json}'s {@code eos_token_id} (an int or a list, e.g.
     * Qwen3's [151645 {@code <|im_end|>}, 151643 {@code <|endoftext|>}]) when the directory has one, else
     * {@code config.json}'s. Empty when neither names one.
     */
    public static List<Integer> stopTokens(Path dir) {
        Path file = dir.resolve(GENERATION_CONFIG);
        if (java.nio.file.Files.isRegularFile(file)) {
            List<Integer> ids = StrictJson.intOrIntList(StrictJson.readObject(file), "eos_token_id", file.toString());
            if (!ids.isEmpty()) {
                return ids;
            }
        }
        Path config = dir.resolve(CONFIG);
        return StrictJson.intOrIntList(StrictJson.readObject(config), "eos_token_id", config.toString());
    }

    /** A size preset of any family by name; an unknown name is one line listing the known ones. */
    public static ModelConfig preset(String name) {
        String key = name.toLowerCase(java.util.Locale.ROOT);
        for (ModelFamily f : FAMILIES) {
            ModelConfig c = f.presets().get(key);
            if (c != null) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown model preset '" + name + "' (expected "
                + String.join(", ", FAMILIES.stream().flatMap(f -> f.presets().keySet().stream()).toList()) + ")");
    }

    /** A zero-initialised causal LM of {@code config}'s family. */
    public static CausalLM create(ModelConfig config, DType type) {
        return family(config).newCausalLM(config, type);
    }

    /** A causal LM with its family's random initialisation, replayable from {@code seed}. */
    public static CausalLM random(ModelConfig config, DType type, long seed) {
        CausalLM model = create(config, type);
        model.initialize(new TensorRandom(seed));
        return model;
    }

    /**
     * Copies every parameter of {@code model} from {@code file} (a {@code .safetensors} file or a sharded checkpoint's
     * index), converting types; shapes must match exactly. Keys are
     * accepted with or without the trunk's prefix ({@code transformer.}, {@code model.}).
     */
    public static void loadWeights(CausalLM model, Path file) {
        String prefix = family(model.config()).basePrefix();
        try (SafetensorsReader reader = SafetensorsReader.openCheckpoint(file); NoGrad ng = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                String name = e.getKey();
                Tensor param = e.getValue();
                String bare = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
                String key = reader.contains(name) ? name : bare;
                if (!reader.contains(key)) {
                    throw new CheckpointException(file + ": missing tensor '" + name + "' (also looked for '" + bare + "')");
                }
                SafetensorsReader.Entry entry = reader.entries().get(key);
                if (!Arrays.equals(entry.shape(), param.shape())) {
                    throw new CheckpointException(file + ": tensor '" + key + "' has shape " + Arrays.toString(entry.shape())
                            + " but the config needs " + Arrays.toString(param.shape()));
                }
                Tensor loaded = reader.read(key);
                param.assign(loaded);
                loaded.release();
            }
            if (reader.contains("lm_head.weight") && !model.namedParameters().containsKey("lm_head.weight")) {
                long[] s = reader.entries().get("lm_head.weight").shape();
                long[] want = model.model().inputEmbeddings().shape();
                if (!Arrays.equals(s, want)) {
                    throw new CheckpointException(file + ": tensor 'lm_head.weight' has shape " + Arrays.toString(s)
                            + " but the tied head needs " + Arrays.toString(want));
                }
            }
        }
    }

    /** The storage name config.json records for {@code type}. */
    public static String storageName(DType type) {
        return switch (type) {
            case FLOAT64 -> "float64";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
            default -> "float32";
        };
    }
}
