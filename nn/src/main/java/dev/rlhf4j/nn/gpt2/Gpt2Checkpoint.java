package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hugging Face GPT-2 model directories ({@code config.json} + {@code model.safetensors}) to and from
 * {@link Gpt2LMHeadModel}. Parameter names are HF's; keys are accepted with or without the {@code transformer.}
 * prefix, and {@code lm_head.weight} may be missing (it is tied to {@code wte}). No weight is transposed:
 * {@link dev.rlhf4j.nn.Linear} keeps Conv1D's (in, out) layout.
 */
public final class Gpt2Checkpoint {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private Gpt2Checkpoint() {
    }

    static Gpt2LMHeadModel load(Path dir, DType type) {
        Gpt2Config config = checkedConfig(dir);
        Path weights = dir.resolve(WEIGHTS);
        Gpt2LMHeadModel model = new Gpt2LMHeadModel(config, type);
        try {
            loadWeights(model, weights);
        } catch (RuntimeException e) {
            model.release();
            throw e;
        }
        return model;
    }

    /** Copies every parameter of {@code model} from {@code file}, converting types; shapes must match exactly. */
    public static void loadWeights(Gpt2LMHeadModel model, Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file); NoGrad ng = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                String name = e.getKey();
                Tensor param = e.getValue();
                String key = reader.contains(name) ? name : unprefixed(name);
                if (!reader.contains(key)) {
                    throw new CheckpointException(file + ": missing tensor '" + name + "' (also looked for '" + unprefixed(name) + "')");
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
            if (reader.contains("lm_head.weight")) {
                long[] s = reader.entries().get("lm_head.weight").shape();
                long[] want = model.transformer().wte().shape();
                if (!Arrays.equals(s, want)) {
                    throw new CheckpointException(file + ": tensor 'lm_head.weight' has shape " + Arrays.toString(s)
                            + " but the tied head needs " + Arrays.toString(want));
                }
            }
        }
    }

    /**
     * Checks the sizes {@code config.json} declares against the checkpoint's header before anything is allocated, so
     * a config that is wrong or corrupt (a huge {@code n_embd}, fewer layers than the checkpoint holds) is refused with
     * the key and both numbers instead of allocating gigabytes or loading part of a model.
     */
    /**
     * The {@code config.json} of a Hugging Face GPT-2 directory, checked against the shapes in its
     * {@code model.safetensors} header without reading a weight: what a caller may size memory by before loading.
     */
    public static Gpt2Config checkedConfig(Path dir) {
        Path configFile = dir.resolve(CONFIG);
        CheckpointException.requireFiles(dir, "a Hugging Face GPT-2 directory", CONFIG, WEIGHTS);
        Gpt2Config config;
        try {
            config = Gpt2Config.read(configFile);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(WEIGHTS))) {
            checkSizes(config, configFile, reader);
        }
        return config;
    }

    static void checkSizes(Gpt2Config config, Path configFile, SafetensorsReader reader) {
        long c = config.nEmbd();
        expectShape(configFile, reader, "wte.weight", "vocab_size, n_embd", config.vocabSize(), c);
        expectShape(configFile, reader, "wpe.weight", "n_positions, n_embd", config.nPositions(), c);
        for (int i = 0; i < config.nLayer(); i++) {
            expectShape(configFile, reader, "h." + i + ".attn.c_attn.weight", "n_embd, 3 n_embd", c, 3 * c);
            expectShape(configFile, reader, "h." + i + ".mlp.c_fc.weight", "n_embd, 4 n_embd", c, 4 * c);
        }
        String extra = "h." + config.nLayer() + ".";
        for (String key : reader.entries().keySet()) {
            if (unprefixed(key).startsWith(extra)) {
                throw new CheckpointException(configFile + ": n_layer " + config.nLayer() + " but " + reader.file()
                        + " holds more layers (tensor '" + key + "')");
            }
        }
    }

    private static void expectShape(Path configFile, SafetensorsReader reader, String name, String sizes, long... want) {
        String key = reader.contains(Gpt2LMHeadModel.PREFIX + name) ? Gpt2LMHeadModel.PREFIX + name : name;
        if (!reader.contains(key)) {
            throw new CheckpointException(reader.file() + ": missing tensor '" + Gpt2LMHeadModel.PREFIX + name + "' (also looked for '"
                    + name + "')");
        }
        long[] shape = reader.entries().get(key).shape();
        if (!Arrays.equals(shape, want)) {
            throw new CheckpointException(configFile + ": (" + sizes + ") = " + Arrays.toString(want) + " but " + reader.file()
                    + " holds '" + key + "' of shape " + Arrays.toString(shape));
        }
    }

    private static String unprefixed(String name) {
        return name.startsWith(Gpt2LMHeadModel.PREFIX) ? name.substring(Gpt2LMHeadModel.PREFIX.length()) : name;
    }

    static void save(Gpt2LMHeadModel model, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new CheckpointException(dir + ": cannot create directory: " + e, e);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.namedParameters());
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        Gpt2Config c = model.config();
        String dtype = switch (model.dtype()) {
            case FLOAT64 -> "float64";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
            default -> "float32";
        };
        Gpt2Config written = new Gpt2Config(c.nLayer(), c.nHead(), c.nEmbd(), c.nPositions(), c.vocabSize(), c.layerNormEpsilon(),
                c.activationFunction(), dtype, c.bosTokenId(), c.eosTokenId(), c.embdPdrop(), c.attnPdrop(), c.residPdrop());
        SafetensorsWriter.writeText(dir.resolve(CONFIG), written.toJson());
    }
}
