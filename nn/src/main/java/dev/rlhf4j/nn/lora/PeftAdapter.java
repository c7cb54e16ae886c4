package dev.rlhf4j.nn.lora;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * PEFT's adapter folder, both ways: {@code adapter_config.json} (the {@link LoraConfig}, see
 * {@link PeftAdapterConfig}) and {@code adapter_model.safetensors}, whose keys are the model's module names under
 * {@code base_model.model.}: {@code base_model.model.transformer.h.0.attn.c_attn.lora_A.weight} (r, in) and
 * {@code ...lora_B.weight} (out, r), in the factors' own type, with {@code __metadata__ {"format": "pt"}}. The
 * safetensors writer lays tensors out as {@code safetensors.torch.save_file} does, so saving an adapter that PEFT
 * wrote reproduces its file byte for byte.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT puts before the base model's parameter names in the saved state dict. */
    public static final String PREFIX = "base_model.model.";

    private PeftAdapter() {
    }

    /** Reads {@code dir}'s adapter onto {@code base}; the base is frozen once every factor is in place. */
    static LoraModel load(Module base, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": adapter directory does not exist");
        }
        if (Files.isRegularFile(dir.resolve("adapter_model.bin")) && !Files.exists(dir.resolve(WEIGHTS))) {
            throw new CheckpointException(dir.resolve("adapter_model.bin") + ": PEFT's pickle format is not read; save the adapter"
                    + " with safe_serialization=True (" + WEIGHTS + ")");
        }
        CheckpointException.requireFiles(dir, "a PEFT adapter folder", CONFIG, WEIGHTS);
        Path configFile = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        ObjectNode json = PeftAdapterConfig.readJson(configFile);
        LoraConfig config = PeftAdapterConfig.parse(configFile, json);
        LoraModel lora;
        try {
            lora = LoraModel.attach(base, config, json);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile + ": " + e.getMessage(), e);
        }
        try {
            readFactors(lora, weights);
        } catch (RuntimeException e) {
            lora.unload();
            throw e;
        }
        base.freeze();
        return lora;
    }

    /** Copies every factor from {@code file}, converting types; every tensor of the file must find its layer. */
    private static void readFactors(LoraModel lora, Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file); NoGrad ng = NoGrad.enter()) {
            Set<String> unused = new LinkedHashSet<>(reader.entries().keySet());
            for (Map.Entry<String, Tensor> e : lora.namedParameters().entrySet()) {
                String key = PREFIX + e.getKey();
                Tensor factor = e.getValue();
                if (!reader.contains(key)) {
                    throw new CheckpointException(file + ": missing tensor '" + key + "' (the config targets "
                            + e.getKey().substring(0, e.getKey().lastIndexOf(".lora_")) + ")");
                }
                long[] shape = reader.entries().get(key).shape();
                if (!Arrays.equals(shape, factor.shape())) {
                    throw new CheckpointException(file + ": tensor '" + key + "' has shape " + Arrays.toString(shape)
                            + " but the model and the config's rank need " + Arrays.toString(factor.shape()));
                }
                Tensor loaded = reader.read(key);
                factor.assign(loaded);
                loaded.release();
                unused.remove(key);
            }
            if (!unused.isEmpty()) {
                throw new CheckpointException(file + ": " + unused.size() + " tensor(s) belong to no adapted layer of the model, e.g. '"
                        + unused.iterator().next() + "' (wrong base model, or target_modules does not match the file)");
            }
        }
    }

    /** Writes {@code lora} into {@code dir} (created if needed), replacing an adapter there. */
    static void save(LoraModel lora, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot create directory: " + e, e);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        lora.namedParameters().forEach((name, t) -> tensors.put(PREFIX + name, t));
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        boolean conv1d = lora.layers().values().stream().anyMatch(l -> l.base().layout() == Linear.Layout.CONV1D);
        SafetensorsWriter.writeText(dir.resolve(CONFIG), PeftAdapterConfig.toJson(lora, conv1d));
    }
}
