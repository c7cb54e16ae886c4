package dev.rlhf4j.rlhf.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run folder: its name, its refusal to reuse a run, config.json, and models saved whole or not at all. */
class RunFolderTest {
    private static final Gpt2Tokenizer TOKENIZER = SmallTokenizer.TOKENIZER;

    @TempDir
    Path dir;

    /** A trainer's hyper-parameters as the trainers write them: a record with TRL's names in camelCase. */
    record Hyper(double learningRate, int numPpoEpochs, double cliprangeValue, Path refModel, double maxGradNorm) {
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theDefaultFolderIsCommandAndTimeWithASuffixWhenTaken() {
        LocalDateTime t = LocalDateTime.of(2026, 3, 4, 5, 6, 7);
        assertEquals(dir.resolve("runs/dpo-20260304-050607"), RunFolder.createDefault(dir.resolve("runs"), "dpo", t).dir());
        assertEquals(dir.resolve("runs/dpo-20260304-050607-2"), RunFolder.createDefault(dir.resolve("runs"), "dpo", t).dir());
        assertTrue(Files.isDirectory(dir.resolve("runs/dpo-20260304-050607-2")));
        assertThrows(IllegalArgumentException.class, () -> RunFolder.createDefault(dir, "../x", t));
    }

    @Test
    void refusesAFolderThatHoldsAnEarlierRunsMetrics() throws IOException {
        Path out = dir.resolve("out");
        RunFolder first = RunFolder.create(out);
        first.createMetricsLog().close();
        String m = assertThrows(IllegalStateException.class, () -> RunFolder.create(out)).getMessage();
        assertEquals("run folder " + out + " already holds a metrics.jsonl from an earlier run; choose another --out folder"
                + " or remove that one", m);
        Files.writeString(dir.resolve("file"), "x");
        assertEquals("run folder " + dir.resolve("file") + " exists and is not a folder",
                assertThrows(IllegalStateException.class, () -> RunFolder.create(dir.resolve("file"))).getMessage());
    }

    @Test
    void writesTheResolvedConfigurationWithTrlNames() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("new/run"));
        Map<String, Object> sections = new LinkedHashMap<>();
        sections.put("trainer", new Hyper(1.41e-5, 4, 0.2, Path.of("models/ref"), Double.NaN));
        sections.put("data", Map.of("examples", 12));
        Path file = run.writeConfig("ppo", 42, Path.of("models/gpt2"), sections);
        String text = Files.readString(file);
        assertTrue(text.contains("\n  \"seed\" : 42,"), "pretty-printed: " + text);
        JsonNode json = new ObjectMapper().readTree(text);
        assertEquals(List.of("command", "seed", "model", "trainer", "data"), iterable(json.fieldNames()));
        assertEquals("ppo", json.get("command").asText());
        assertEquals("models/gpt2", json.get("model").asText());
        JsonNode trainer = json.get("trainer");
        assertEquals(List.of("learning_rate", "num_ppo_epochs", "cliprange_value", "ref_model", "max_grad_norm"),
                iterable(trainer.fieldNames()));
        assertEquals(1.41e-5, trainer.get("learning_rate").asDouble());
        assertEquals("models/ref", trainer.get("ref_model").asText());
        assertEquals("NaN", trainer.get("max_grad_norm").asText());
        assertEquals(12, json.get("data").get("examples").asInt());
        assertEquals(List.of("config.json"), names(run.dir()), "no temporary file left");
        assertThrows(IllegalArgumentException.class, () -> run.writeConfig("ppo", 1, null, Map.of("seed", 2)));
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void savesTheModelInHuggingFaceLayoutAndReplacesAnEarlierSave() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(Gpt2Config.tiny(), DType.FLOAT32, 5);
        Gpt2LMHeadModel other = Gpt2LMHeadModel.random(Gpt2Config.tiny(), DType.FLOAT32, 6);
        Gpt2LMHeadModel back = null;
        try {
            run.saveModel("model", other, TOKENIZER);
            Path saved = run.saveModel("model", model, TOKENIZER);
            assertEquals(run.dir().resolve("model"), saved);
            assertEquals(List.of("config.json", "merges.txt", "model.safetensors", "vocab.json"), names(saved));
            assertEquals(List.of("model"), names(run.dir()), "no temporary or old folder left");
            back = Gpt2LMHeadModel.fromPretrained(saved);
            Map<String, Tensor> want = model.namedParameters();
            Map<String, Tensor> got = back.namedParameters();
            assertEquals(want.keySet(), got.keySet());
            for (String name : want.keySet()) {
                assertEquals(want.get(name).toBytes(), got.get(name).toBytes(), name);
            }
            Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(saved);
            assertArrayEquals(TOKENIZER.encode("Hello, world! ✓"), tokenizer.encode("Hello, world! ✓"));
            assertEquals(TOKENIZER.vocabSize(), tokenizer.vocabSize());
            assertEquals(TOKENIZER.eosTokenId(), tokenizer.eosTokenId());
        } finally {
            model.release();
            other.release();
            if (back != null) {
                back.release();
            }
        }
    }

    @Test
    void savesAnAdapterInPeftLayout() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(Gpt2Config.tiny(), DType.FLOAT32, 5);
        try {
            LoraModel lora = LoraModel.create(model, LoraConfig.gpt2Attention(2, 4), new TensorRandom(1));
            Path saved = run.saveAdapter("adapter", lora, TOKENIZER);
            assertEquals(List.of("adapter_config.json", "adapter_model.safetensors", "merges.txt", "vocab.json"),
                    names(saved));
            JsonNode config = new ObjectMapper().readTree(saved.resolve("adapter_config.json").toFile());
            assertEquals("LORA", config.get("peft_type").asText());
            assertEquals(2, config.get("r").asInt());
        } finally {
            model.release();
        }
    }

    @Test
    void aFailedSaveLeavesNothingBehind() throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> run.saveFolder("model", tmp -> {
            Files.writeString(tmp.resolve("config.json"), "{}");
            throw new IOException("disk full");
        }));
        assertEquals("cannot write " + run.dir().resolve("model"), e.getMessage());
        assertEquals(List.of(), names(run.dir()));
        assertFalse(Files.exists(run.dir().resolve("model")));
        assertThrows(IllegalArgumentException.class, () -> run.saveFolder("../escape", tmp -> { }));
    }
}
