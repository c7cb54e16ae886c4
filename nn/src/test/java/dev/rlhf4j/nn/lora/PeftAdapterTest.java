package dev.rlhf4j.nn.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters written by rlhf4j load back unchanged, and a folder that does not fit the model fails with a named reason. */
class PeftAdapterTest {
    private static final Path PEFT = Fixtures.path("gpt2-tiny-random-lora");
    @TempDir
    Path dir;
    private Gpt2LMHeadModel model;

    @BeforeEach
    void load() {
        model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT32);
    }

    @AfterEach
    void release() {
        model.release();
    }

    @Test
    void aSavedAdapterLoadsBackBitForBit() {
        Map<String, Integer> ranks = Map.of("h\\.1\\.mlp\\.c_fc", 3);
        LoraConfig config = new LoraConfig(2, 5, 0.05, null, ".*\\.(c_attn|c_fc)", true, ranks, Map.of("c_fc", 7.0), "somewhere/gpt2");
        LoraModel lora = LoraModel.create(model, config, new TensorRandom(3));
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            TensorRandom r = new TensorRandom(4);
            lora.layers().values().forEach(l -> l.loraB().assign(r.normal(DType.FLOAT32, 0, 1, l.loraB().shape())));
        }
        lora.save(dir);
        Gpt2LMHeadModel other = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT32);
        LoraModel back = LoraModel.load(other, dir);
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            assertEquals(config, back.config());
            assertEquals(3, back.layers().get("transformer.h.1.mlp.c_fc").rank());
            assertEquals(7.0 / Math.sqrt(3), back.layers().get("transformer.h.1.mlp.c_fc").scaling());
            Map<String, Tensor> want = lora.namedParameters();
            Map<String, Tensor> got = back.namedParameters();
            assertEquals(want.keySet(), got.keySet());
            want.forEach((name, t) -> assertEquals(t.toBytes(), got.get(name).toBytes(), name));
            Tensor ids = Tensor.ofLongs(new long[] {5, 9, 200, 3}, 1, 4);
            assertArrayEquals(model.forward(ids).toFloatArray(), other.forward(ids).toFloatArray(), 0f);
        } finally {
            other.release();
        }
    }

    /** A copy of peft's folder with {@code edit} applied to its adapter_config.json. */
    private Path peftWithConfig(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(PEFT.resolve(PeftAdapter.CONFIG).toFile());
        edit.accept(json);
        Files.writeString(dir.resolve(PeftAdapter.CONFIG), json.toString());
        Files.copy(PEFT.resolve(PeftAdapter.WEIGHTS), dir.resolve(PeftAdapter.WEIGHTS));
        return dir;
    }

    private String failure(Path folder) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> LoraModel.load(model, folder));
        for (Linear l : model.namedLinears().values()) {
            assertNull(l.adapter(), "a failed load leaves no adapter behind: " + l.name());
        }
        assertTrue(model.parameters().stream().allMatch(Tensor::requiresGrad), "a failed load freezes nothing");
        return e.getMessage();
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        assertTrue(failure(dir.resolve("absent")).contains("does not exist"));
        Files.copy(PEFT.resolve(PeftAdapter.CONFIG), dir.resolve(PeftAdapter.CONFIG));
        String m = failure(dir);
        assertTrue(m.contains(PeftAdapter.WEIGHTS) && m.contains("missing"), m);
    }

    @Test
    void variantsBeyondPlainLoraAreRefusedByName() throws IOException {
        String dora = failure(peftWithConfig(j -> j.put("use_dora", true)));
        assertTrue(dora.contains("use_dora") && dora.contains("adapter_config.json"), dora);
        Files.delete(dir.resolve(PeftAdapter.WEIGHTS));
        String bias = failure(peftWithConfig(j -> j.put("bias", "all")));
        assertTrue(bias.contains("bias = 'all'"), bias);
        Files.delete(dir.resolve(PeftAdapter.WEIGHTS));
        String type = failure(peftWithConfig(j -> j.put("peft_type", "IA3")));
        assertTrue(type.contains("peft_type is 'IA3'"), type);
    }

    @Test
    void aFileThatDoesNotFitTheConfigOrModelIsNamed() throws IOException {
        String rank = failure(peftWithConfig(j -> j.put("r", 2)));
        assertTrue(rank.contains("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight") && rank.contains("[4, 32]")
                && rank.contains("[2, 32]"), rank);
        Files.delete(dir.resolve(PeftAdapter.WEIGHTS));
        String extra = failure(peftWithConfig(j -> j.putArray("target_modules").add("c_attn")));
        assertTrue(extra.contains("belong to no adapted layer"), extra);
        Files.delete(dir.resolve(PeftAdapter.WEIGHTS));
        String none = failure(peftWithConfig(j -> j.putArray("target_modules").add("q_proj")));
        assertTrue(none.contains("[q_proj]") && none.contains("8 linear layers"), none);
    }

    @Test
    void aMissingFactorIsNamed() throws IOException {
        Files.copy(PEFT.resolve(PeftAdapter.CONFIG), dir.resolve(PeftAdapter.CONFIG));
        String dropped = "base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight";
        try (SafetensorsReader r = SafetensorsReader.open(PEFT.resolve(PeftAdapter.WEIGHTS))) {
            Map<String, Tensor> tensors = r.readAll();
            tensors.remove(dropped).release();
            SafetensorsWriter.write(dir.resolve(PeftAdapter.WEIGHTS), tensors, Map.of("format", "pt"));
            tensors.values().forEach(Tensor::release);
        }
        String m = failure(dir);
        assertTrue(m.contains("missing tensor '" + dropped + "'"), m);
    }
}
