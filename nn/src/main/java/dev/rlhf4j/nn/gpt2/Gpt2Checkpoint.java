package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.model.AutoModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What is GPT-2's own in a Hugging Face model directory ({@code config.json} + {@code model.safetensors}): the sizes
 * its config declares checked against the checkpoint's header, and the files {@code GPT2LMHeadModel.from_pretrained}
 * reads. Loading is {@link AutoModel}'s; keys are accepted with or without the {@code transformer.} prefix, and
 * {@code lm_head.weight} may be missing (it is tied to {@code wte}). No weight is transposed: {@link
 * dev.rlhf4j.nn.Linear} keeps Conv1D's (in, out) layout.
 */
final class Gpt2Checkpoint {
    static final String CONFIG = AutoModel.CONFIG;
    static final String WEIGHTS = AutoModel.WEIGHTS;

    private Gpt2Checkpoint() {
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
        Gpt2Config written = model.config().withStorageType(AutoModel.storageName(model.dtype()));
        SafetensorsWriter.writeText(dir.resolve(CONFIG), written.toJson());
    }
}
