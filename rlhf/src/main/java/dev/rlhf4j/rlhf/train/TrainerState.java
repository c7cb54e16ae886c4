package dev.rlhf4j.rlhf.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.io.StrictJson;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The part of a checkpoint every trainer writes the same way, beside its model weights:
 * {@code optimizer.safetensors} (AdamW's moments under torch's {@code state_dict} keys, its step count in the
 * metadata) and {@code trainer_state.json} (the trainer's counters, e.g. {@code {"global_step": 12, "num_tokens":
 * 4410, "skipped_steps": 0, "consecutive_nonfinite": 0}}). Everything random in a run is drawn from the seed and the
 * step ({@link TrainingPlan#stepSeed}), so these counters are all a resumed run needs besides the tensors.
 *
 * <p>{@link #requireFinite} is called on every tensor before anything is written: a checkpoint never holds a NaN.
 */
public final class TrainerState {
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainerState() {
    }

    /**
     * Writes a trainer's state into {@code dir}: AdamW, and {@code counters} (led by {@code global_step}) with the
     * guard's {@code skipped_steps} and {@code consecutive_nonfinite}. Nothing is written if a moment is not finite.
     */
    public static void save(Path dir, AdamW optimizer, NonFiniteGuard guard, Map<String, ? extends Number> counters)
            throws IOException {
        writeOptimizer(dir, optimizer);
        Map<String, Number> all = new LinkedHashMap<>(counters);
        all.put("skipped_steps", guard.skipped());
        all.put("consecutive_nonfinite", guard.consecutive());
        writeCounters(dir, all);
    }

    /**
     * Restores what {@link #save} wrote: AdamW and the guard; returns {@code global_step} and the other {@code keys}.
     * A {@code global_step} beyond {@code totalSteps} is refused.
     */
    public static Map<String, Long> restore(Path dir, AdamW optimizer, NonFiniteGuard guard, long totalSteps, String... keys) {
        String[] all = new String[keys.length + 3];
        all[0] = "global_step";
        all[1] = "skipped_steps";
        all[2] = "consecutive_nonfinite";
        System.arraycopy(keys, 0, all, 3, keys.length);
        Map<String, Long> c = readCounters(dir, all);
        long step = c.get("global_step");
        if (step < 0 || step > totalSteps) {
            throw new IllegalArgumentException(dir.resolve(STATE) + ": global_step " + step + " is outside the run's " + totalSteps
                    + " steps");
        }
        readOptimizer(dir, optimizer);
        guard.restore(c.get("skipped_steps"), Math.toIntExact(c.get("consecutive_nonfinite")));
        return c;
    }

    /** Refuses, naming the tensor, any of {@code tensors} that holds a NaN or an infinity. */
    public static void requireFinite(String what, Map<String, Tensor> tensors) {
        try (Arena scratch = Arena.open(); NoGrad ng = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                double sum = e.getValue().abs().sum().item();
                if (!Double.isFinite(sum)) {
                    throw new IllegalStateException("not writing a checkpoint: " + what + " " + e.getKey() + " holds a non-finite"
                            + " value (the last good checkpoint is kept)");
                }
            }
        }
    }

    /** Writes {@code optimizer.safetensors} into {@code dir}, after checking the moments are finite. */
    public static void writeOptimizer(Path dir, AdamW optimizer) {
        Map<String, Tensor> state = optimizer.state();
        requireFinite("AdamW moment", state);
        SafetensorsWriter.write(dir.resolve(OPTIMIZER), state, Map.of("step", Long.toString(optimizer.steps())));
    }

    /** Restores AdamW from {@code dir/optimizer.safetensors}. */
    public static void readOptimizer(Path dir, AdamW optimizer) {
        Path file = dir.resolve(OPTIMIZER);
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            String step = reader.metadata().get("step");
            long t;
            try {
                t = Long.parseLong(step == null ? "" : step);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": metadata \"step\" must be an integer, got " + step);
            }
            Map<String, Tensor> saved = reader.readAll();
            try {
                optimizer.restore(t, saved);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            } finally {
                saved.values().forEach(Tensor::release);
            }
        }
    }

    /**
     * Writes {@code tensors} under their own names to {@code dir/file}, e.g. a LoRA adapter's trainable factors beside
     * its PEFT folder, so that {@link #readInto} puts each value back into the same tensor.
     */
    public static void writeTensors(Path dir, String file, Map<String, Tensor> tensors) {
        requireFinite("tensor", tensors);
        SafetensorsWriter.write(dir.resolve(file), tensors, Map.of());
    }

    /** Copies every tensor of {@code dir/file} into the tensor of that name in {@code into}; names and shapes must match. */
    public static void readInto(Path dir, String file, Map<String, Tensor> into) {
        Path path = dir.resolve(file);
        try (SafetensorsReader reader = SafetensorsReader.open(path)) {
            if (!reader.entries().keySet().equals(into.keySet())) {
                throw new IllegalArgumentException(path + ": holds " + reader.entries().size() + " tensors that do not match the "
                        + into.size() + " trained ones (e.g. " + into.keySet().iterator().next() + ")");
            }
            for (Map.Entry<String, Tensor> e : into.entrySet()) {
                Tensor saved = reader.read(e.getKey());
                try {
                    if (!java.util.Arrays.equals(saved.shape(), e.getValue().shape())) {
                        throw new IllegalArgumentException(path + ": " + e.getKey() + " has shape " + java.util.Arrays.toString(saved.shape())
                                + ", the model's " + java.util.Arrays.toString(e.getValue().shape()));
                    }
                    e.getValue().assign(saved);
                } finally {
                    saved.release();
                }
            }
        }
    }

    /** Writes the counters as {@code trainer_state.json} into {@code dir}. */
    public static void writeCounters(Path dir, Map<String, ? extends Number> counters) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        for (Map.Entry<String, ? extends Number> c : counters.entrySet()) {
            if (c.getValue() instanceof Double d) {                // written in Java's shortest exact form, read back bit for bit
                if (!Double.isFinite(d)) {
                    throw new IllegalStateException("not writing a checkpoint: counter " + c.getKey() + " is " + d);
                }
                node.put(c.getKey(), d);
            } else {
                node.put(c.getKey(), c.getValue().longValue());
            }
        }
        Files.writeString(dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n",
                StandardCharsets.UTF_8);
    }

    /** The integer counters of {@code dir/trainer_state.json}, each of {@code keys} required. */
    public static Map<String, Long> readCounters(Path dir, String... keys) {
        Path file = dir.resolve(STATE);
        JsonNode node = StrictJson.readObject(file);
        Map<String, Long> out = new LinkedHashMap<>();
        for (String k : keys) {
            JsonNode v = node.get(k);
            if (v == null) {
                throw new IllegalArgumentException(file + ": no \"" + k + "\"");
            }
            out.put(k, StrictJson.exactLong(v, file + ": \"" + k + "\""));
        }
        return out;
    }

    /** A floating-point counter of {@code dir/trainer_state.json} (e.g. PPO's adaptive KL coefficient). */
    public static double readDouble(Path dir, String key) {
        Path file = dir.resolve(STATE);
        JsonNode v = StrictJson.readObject(file).get(key);
        if (v == null || !v.isNumber() || !Double.isFinite(v.doubleValue())) {
            throw new IllegalArgumentException(file + ": \"" + key + "\" must be a finite number, got " + v);
        }
        return v.doubleValue();
    }
}
