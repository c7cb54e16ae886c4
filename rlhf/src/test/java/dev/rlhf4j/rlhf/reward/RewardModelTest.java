package dev.rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The reward model's HF layout (save, load, errors), its initialisation from an LM, and where it reads the score. */
class RewardModelTest {
    private static final Gpt2Config CONFIG = new Gpt2Config(2, 4, 16, 32, 64, 1e-5, "gelu_new", "float32", 63, 63, 0.0, 0.0, 0.0);

    @TempDir
    Path dir;

    private static RewardModel random(DType type, long seed) {
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.random(CONFIG, type, seed);
        RewardModel rm = RewardModel.fromLm(lm, seed + 1);
        lm.release();
        return rm;
    }

    private static Map<String, double[]> values(RewardModel m) {
        Map<String, double[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, v) -> out.put(k, v.toDoubleArray()));
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void saveThenLoadGivesTheSameBitsAndAnHfSequenceClassificationConfig(DType type) throws IOException {
        RewardModel rm = random(type, 3);
        rm.save(dir);
        RewardModel back = RewardModel.fromPretrained(dir, type);
        Map<String, double[]> a = values(rm);
        Map<String, double[]> b = values(back);
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), 0.0, k));
        assertEquals(rm.padTokenId(), back.padTokenId());
        assertTrue(a.containsKey("score.weight") && a.containsKey("transformer.wte.weight"));

        JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("GPT2ForSequenceClassification", json.get("architectures").get(0).asText());
        assertEquals(1, json.get("id2label").size());
        assertEquals(63, json.get("pad_token_id").asInt());
        assertEquals(type == DType.FLOAT64 ? "float64" : "float32", json.get("torch_dtype").asText());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("config.json", "model.safetensors"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file is left behind");
        }
        rm.release();
        back.release();
    }

    @Test
    void aCausalLmFolderIsAClearErrorNamingScoreWeight() {
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 1);
        lm.save(dir);
        CheckpointException e = assertThrows(CheckpointException.class, () -> RewardModel.fromPretrained(dir));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("'score.weight'"), e.getMessage());
        lm.release();
    }

    @Test
    void aMissingFileOrTensorOrAShapeThatDoesNotFitIsNamed() throws IOException {
        CheckpointException noConfig = assertThrows(CheckpointException.class, () -> RewardModel.fromPretrained(dir));
        assertTrue(noConfig.getMessage().contains("config.json"), noConfig.getMessage());

        RewardModel rm = random(DType.FLOAT32, 2);
        rm.save(dir);
        Map<String, Tensor> weights = new LinkedHashMap<>(rm.namedParameters());
        weights.remove("transformer.h.1.mlp.c_fc.bias");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), weights, Map.of("format", "pt"));
        CheckpointException missing = assertThrows(CheckpointException.class, () -> RewardModel.fromPretrained(dir));
        assertTrue(missing.getMessage().contains("'transformer.h.1.mlp.c_fc.bias'"), missing.getMessage());

        weights = new LinkedHashMap<>(rm.namedParameters());
        Tensor wide = Tensor.zeros(DType.FLOAT32, 2, 16);
        weights.put("score.weight", wide);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), weights, Map.of("format", "pt"));
        CheckpointException shape = assertThrows(CheckpointException.class, () -> RewardModel.fromPretrained(dir));
        assertTrue(shape.getMessage().contains("'score.weight'") && shape.getMessage().contains("[2, 16]"), shape.getMessage());

        rm.save(dir);
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        json.putObject("id2label").put("0", "NEG").put("1", "POS");
        Files.writeString(dir.resolve("config.json"), json.toString());
        CheckpointException labels = assertThrows(CheckpointException.class, () -> RewardModel.fromPretrained(dir));
        assertTrue(labels.getMessage().contains("id2label") && labels.getMessage().contains("2 labels"), labels.getMessage());
        wide.release();
        rm.release();
    }

    @Test
    void fromLmCopiesTheTrunkAndDrawsTheHeadFromTheSeed() {
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT64, 9);
        RewardModel a = RewardModel.fromLm(lm, 4);
        RewardModel b = RewardModel.fromLm(lm, 4);
        RewardModel c = RewardModel.fromLm(lm, 5);
        lm.namedParameters().forEach((k, v) -> assertArrayEquals(v.toDoubleArray(), a.namedParameters().get(k).toDoubleArray(), 0.0, k));
        double[] head = a.namedParameters().get("score.weight").toDoubleArray();
        assertArrayEquals(head, b.namedParameters().get("score.weight").toDoubleArray(), 0.0);
        assertFalse(java.util.Arrays.equals(head, c.namedParameters().get("score.weight").toDoubleArray()));
        double sq = 0;
        for (double w : head) {
            sq += w * w;
        }
        double std = Math.sqrt(sq / head.length);
        assertTrue(std > 0.01 && std < 0.04, "head std " + std + " (drawn with 0.02)");

        try (var ng = NoGrad.enter()) {
            a.namedParameters().get("transformer.wte.weight").fill(0.0);
        }
        assertTrue(lm.namedParameters().get("transformer.wte.weight").toDoubleArray()[0] != 0.0, "the copy is independent of the LM");
        RewardModel d = c.deepCopy();
        values(c).forEach((k, v) -> assertArrayEquals(v, d.namedParameters().get(k).toDoubleArray(), 0.0, k));
        List.of(a, b, c, d).forEach(RewardModel::release);
        lm.release();
    }

    /** The score is w . h at the last real token of each row, as the trunk gives h for the row alone. */
    @Test
    void scoresAreReadAtEachRowsLastRealTokenWithoutAGraph() {
        RewardModel rm = random(DType.FLOAT64, 6);
        List<CompletionExample> rows = List.of(new CompletionExample(new int[] {5, 9}, new int[] {7, 7, 1, 2, 3}),
                new CompletionExample(new int[] {4}, new int[] {8}), new CompletionExample(new int[] {1, 2, 3}, new int[] {63, 63}));
        CompletionBatch batch = CompletionBatch.of(rows, rm.padTokenId());
        double[] w = rm.namedParameters().get("score.weight").toDoubleArray();
        try (Arena arena = Arena.open()) {
            Tensor scores = rm.scores(batch);                                               // (3)
            assertFalse(scores.requiresGrad());
            double[] got = scores.toDoubleArray();
            for (int r = 0; r < rows.size(); r++) {
                int[] ids = rows.get(r).tokens();
                double[] hidden;
                try (var ng = NoGrad.enter()) {
                    hidden = rm.model().forward(Tensor.ofInts(ids, 1, ids.length)).toDoubleArray();  // (1, T, C)
                }
                double expected = 0;
                for (int c = 0; c < w.length; c++) {
                    expected += w[c] * hidden[(ids.length - 1) * w.length + c];
                }
                assertEquals(expected, got[r], 1e-12 * Math.max(1, Math.abs(expected)), "row " + r);
            }
            assertArrayEquals(got, rm.forward(batch.batch()).toDoubleArray(), 0.0, "scores() is forward() without the graph");
        }
        rm.release();
    }
}
