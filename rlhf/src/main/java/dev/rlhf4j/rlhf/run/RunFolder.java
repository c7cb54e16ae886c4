package dev.rlhf4j.rlhf.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.rlhf4j.nn.io.StrictJson;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The folder one training run writes: {@code config.json} (the resolved configuration), {@code metrics.jsonl}
 * (one line per step, {@link MetricsLog}), the PNG plots ({@link MetricPlots}) and the trained model in Hugging Face
 * layout in a sub-folder ({@code model/}: {@code config.json}, {@code model.safetensors}, {@code vocab.json},
 * {@code merges.txt}; an adapter in PEFT layout in {@code adapter/}).
 *
 * <p>A folder that already holds a {@code metrics.jsonl} belongs to another run and is refused. Configuration and
 * models are written through a temporary file or folder and a rename, so a reader never sees half a file.
 */
public final class RunFolder {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.jsonl";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    /** Records' fields as TRL's snake_case names ({@code learningRate} -> {@code learning_rate}); paths as text. */
    private static final ObjectMapper CONFIG_JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance));

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /**
     * The folder {@code out} (created if missing), or with {@code out == null} a new
     * {@code runs/<command>-<yyyyMMdd-HHmmss>/} under the working directory.
     */
    public static RunFolder open(Path out, String command) {
        return out != null ? create(out) : createDefault(Path.of("runs"), command, LocalDateTime.now());
    }

    /** {@code out}, created if missing; refused if it already holds a run's {@code metrics.jsonl}. */
    public static RunFolder create(Path out) {
        if (Files.exists(out.resolve(METRICS))) {
            throw new IllegalStateException("run folder " + out + " already holds a " + METRICS + " from an earlier run;"
                    + " choose another --out folder or remove that one");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalStateException("run folder " + out + " exists and is not a folder");
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run folder " + out, e);
        }
        return new RunFolder(out);
    }

    /** A new {@code <root>/<command>-<yyyyMMdd-HHmmss>} folder, suffixed {@code -2}, {@code -3}, ... if taken. */
    public static RunFolder createDefault(Path root, String command, LocalDateTime now) {
        if (!command.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("command name '" + command + "' must be letters, digits, '-' or '_'");
        }
        String base = command + "-" + STAMP.format(now);
        try {
            Files.createDirectories(root);
            for (int n = 1; ; n++) {
                Path candidate = root.resolve(n == 1 ? base : base + "-" + n);
                try {
                    Files.createDirectory(candidate);
                    return new RunFolder(candidate);
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    // another run started in the same second: try the next suffix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run folder under " + root, e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return dir.resolve(CONFIG);
    }

    public Path metricsFile() {
        return dir.resolve(METRICS);
    }

    /**
     * Writes {@code config.json}: {@code {"command": ..., "seed": ..., "model": ..., <sections>}}, pretty-printed.
     * Each section is a record (fields as snake_case, TRL's names), a map or a plain value, e.g.
     * {@code Map.of("trainer", dpoConfig, "data", dataSummary)} (use a {@code LinkedHashMap} to fix the order).
     *
     * @return the file written
     */
    public Path writeConfig(String command, long seed, Path model, Map<String, ?> sections) {
        AtomicFiles.writeString(configFile(), configText(command, seed, model, sections));
        return configFile();
    }

    private static String configText(String command, long seed, Path model, Map<String, ?> sections) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("command", command);
        config.put("seed", seed);
        config.put("model", model == null ? null : model.toString());
        for (Map.Entry<String, ?> s : sections.entrySet()) {
            if (config.containsKey(s.getKey())) {
                throw new IllegalArgumentException("config section \"" + s.getKey() + "\" clashes with a fixed entry");
            }
            config.put(s.getKey(), s.getValue());
        }
        try {
            return CONFIG_JSON.writeValueAsString(config) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the configuration cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** An earlier run's folder, to resume: it must hold its {@code config.json} and {@code metrics.jsonl}. */
    public static RunFolder existing(Path dir) {
        for (String f : new String[] {CONFIG, METRICS}) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new IllegalArgumentException("--resume " + dir + ": no " + f + " there, so it is not a run folder");
            }
        }
        return new RunFolder(dir);
    }

    /**
     * Refuses to resume when {@code config.json} differs from what {@link #writeConfig} would write for these options,
     * naming the first key that differs (e.g. {@code trainer.learning_rate: the run has 0.001, the options give 0.01}).
     */
    public void requireConfig(String command, long seed, Path model, Map<String, ?> sections) {
        JsonNode given;
        JsonNode saved;
        try {
            given = CONFIG_JSON.readTree(configText(command, seed, model, sections));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        saved = StrictJson.readObject(configFile());
        String diff = firstDifference("", saved, given);
        if (diff != null) {
            throw new IllegalArgumentException("--resume " + dir + ": " + diff + "; resume with the options the run was started"
                    + " with (see its " + CONFIG + ")");
        }
    }

    private static String firstDifference(String path, JsonNode saved, JsonNode given) {
        if (saved.isObject() && given.isObject()) {
            java.util.Set<String> keys = new java.util.LinkedHashSet<>();
            saved.fieldNames().forEachRemaining(keys::add);
            given.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                String key = path.isEmpty() ? k : path + "." + k;
                if (!saved.has(k) || !given.has(k)) {
                    return key + ": " + (saved.has(k) ? "the options have none" : "the run has none");
                }
                String d = firstDifference(key, saved.get(k), given.get(k));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        boolean same = saved.isNumber() && given.isNumber() ? saved.decimalValue().compareTo(given.decimalValue()) == 0 : saved.equals(given);
        return same ? null : path + ": the run has " + saved + ", the options give " + given;
    }

    /** A new {@code metrics.jsonl} in this folder; the caller closes it. */
    public MetricsLog createMetricsLog() {
        return MetricsLog.create(metricsFile());
    }

    /**
     * Saves {@code model} and its tokenizer as a Hugging Face folder {@code <run>/<name>/} ({@code config.json},
     * {@code model.safetensors}, {@code vocab.json}, {@code merges.txt}) that {@code GPT2LMHeadModel.from_pretrained}
     * and {@code AutoTokenizer.from_pretrained} load; replaces an earlier save of the same name atomically.
     */
    public Path saveModel(String name, CausalLM model, Gpt2Tokenizer tokenizer) {
        return saveFolder(name, tmp -> {
            model.save(tmp);
            TokenizerFiles.save(tokenizer, tmp);
        });
    }

    /**
     * Saves a LoRA adapter as a PEFT folder {@code <run>/<name>/} ({@code adapter_config.json},
     * {@code adapter_model.safetensors}, plus the tokenizer files) that {@code PeftModel.from_pretrained} loads.
     */
    public Path saveAdapter(String name, LoraModel adapter, Gpt2Tokenizer tokenizer) {
        return saveFolder(name, tmp -> {
            adapter.save(tmp);
            TokenizerFiles.save(tokenizer, tmp);
        });
    }

    /**
     * Writes the folder {@code <run>/<name>/} with {@code writer} into a temporary folder renamed into place, for any
     * other model (e.g. a reward model with its score head).
     */
    public Path saveFolder(String name, FolderWriter writer) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("folder name '" + name + "' must be a plain name inside the run folder");
        }
        return AtomicFiles.writeFolder(dir.resolve(name), writer);
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
