package dev.rlhf4j.nn.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.model.AutoModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face checkpoints: round trips, key variants, half-precision files and corrupt files. */
class CheckpointTest {
    private static final Path TINY = Fixtures.path("gpt2-tiny-random");

    @TempDir
    Path tmp;

    @Test
    void saveThenLoadGivesIdenticalTensorsInHuggingFaceLayout() throws IOException {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(TINY);
        Path dir = tmp.resolve("saved");
        model.save(dir);
        Gpt2LMHeadModel back = Gpt2LMHeadModel.fromPretrained(dir);
        Map<String, Tensor> a = model.namedParameters();
        Map<String, Tensor> b = back.namedParameters();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
        }
        // the same key set and dtype as HF's own save_pretrained output (tied lm_head not stored)
        try (SafetensorsReader ours = SafetensorsReader.open(dir.resolve("model.safetensors"));
             SafetensorsReader hf = SafetensorsReader.open(TINY.resolve("model.safetensors"))) {
            assertEquals(new java.util.TreeSet<>(hf.entries().keySet()), new java.util.TreeSet<>(ours.entries().keySet()));
            for (var e : hf.entries().values()) {
                assertArrayEquals(e.shape(), ours.entries().get(e.name()).shape(), e.name());
                assertEquals(e.dtype(), ours.entries().get(e.name()).dtype(), e.name());
            }
            assertEquals("pt", ours.metadata().get("format"));
        }
        JsonNode config = Fixtures.jsonOf(dir.resolve("config.json"));
        assertEquals("gpt2", config.get("model_type").asText());
        assertEquals(32, config.get("n_embd").asInt());
        assertEquals(Gpt2Config.read(TINY.resolve("config.json")), Gpt2Config.read(dir.resolve("config.json")));
        assertFalse(Files.exists(dir.resolve("model.safetensors.tmp")));
        model.release();
        back.release();
    }

    @Test
    void savingHuggingFacesOwnCheckpointReproducesItByteForByte() throws IOException {
        // model.safetensors was written by transformers' save_pretrained: the same bytes are what it reads back
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(TINY);
        Path dir = tmp.resolve("resaved");
        model.save(dir);
        assertArrayEquals(Files.readAllBytes(TINY.resolve("model.safetensors")), Files.readAllBytes(dir.resolve("model.safetensors")));
        // and config.json pins every setting of GPT2Config that changes the computation to HF's values
        JsonNode ours = Fixtures.jsonOf(dir.resolve("config.json"));
        JsonNode hf = Fixtures.jsonOf(TINY.resolve("config.json"));
        for (String key : new String[] {"model_type", "architectures", "activation_function", "add_cross_attention", "dtype",
                "layer_norm_epsilon", "n_embd", "n_head", "n_layer", "n_positions", "n_inner", "reorder_and_upcast_attn",
                "scale_attn_by_inverse_layer_idx", "scale_attn_weights", "tie_word_embeddings", "vocab_size",
                "bos_token_id", "eos_token_id"}) {
            assertEquals(hf.get(key), ours.get(key), "config.json " + key);
        }
        model.release();
    }

    @Test
    void keysWithoutPrefixAndAStoredLmHeadLoad() throws IOException {
        Path dir = copyConfig("noprefix");
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(TINY.resolve("model.safetensors"))) {
            for (String k : r.entries().keySet()) {
                renamed.put(k.substring("transformer.".length()), r.read(k));
            }
            renamed.put("lm_head.weight", r.read("transformer.wte.weight"));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), renamed, Map.of());
        Gpt2LMHeadModel a = Gpt2LMHeadModel.fromPretrained(TINY);
        Gpt2LMHeadModel b = Gpt2LMHeadModel.fromPretrained(dir);
        for (var e : a.namedParameters().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.namedParameters().get(e.getKey()).toFloatArray(), 0f, e.getKey());
        }
        a.release();
        b.release();
    }

    @Test
    void halfPrecisionCheckpointsMatchTheirRecordedForward() {
        JsonNode ref = Fixtures.json("gpt2-tiny-random/reference.json");
        int[] ids = Fixtures.ints(ref.get("single").get("input_ids"));
        for (String kind : new String[] {"bf16", "f16"}) {
            Gpt2LMHeadModel model = new Gpt2LMHeadModel(Gpt2Config.read(TINY.resolve("config.json")), DType.FLOAT64);
            AutoModel.loadWeights(model, TINY.resolve("model." + kind + ".safetensors"));
            JsonNode want = ref.get("rounded_weights").get(kind);
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                Tensor input = Tensor.ofInts(ids, 1, ids.length);
                double err = Fixtures.maxRelativeError(model.forward(input).toDoubleArray(), Fixtures.doubles(want.get("logits")), 1e-3);
                System.out.printf("%s checkpoint logits max rel err %.3e%n", kind, err);
                assertTrue(err < 1e-9, kind + " logits error " + err);
                double loss = model.loss(input).item();
                assertEquals(want.get("loss_mean_next_token_ce").asDouble(), loss, 1e-6 * loss, kind + " loss");
            }
            model.release();
        }
    }

    @Test
    void interruptedSaveKeepsThePreviousCheckpoint() throws IOException {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(TINY);
        Path dir = tmp.resolve("keep");
        model.save(dir);
        byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
        Gpt2LMHeadModel broken = Gpt2LMHeadModel.fromPretrained(TINY);
        broken.namedParameters().get("transformer.ln_f.bias").release();     // writing this tensor fails midway
        assertThrows(RuntimeException.class, () -> broken.save(dir));
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(dir.resolve("model.safetensors.tmp")));
        model.release();
    }

    // ------------------------------------------------------------ corrupt checkpoints

    @Test
    void truncatedFileNamesFileAndTensor() throws IOException {
        Path dir = copyConfig("truncated");
        byte[] full = Files.readAllBytes(TINY.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(full, full.length / 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir));
        assertMentions(e, "model.safetensors", "transformer.", "truncated");
        Files.write(dir.resolve("model.safetensors"), new byte[5]);
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir)), "model.safetensors", "truncated");
    }

    @Test
    void headerLengthPastTheEndIsRejected() throws IOException {
        Path dir = copyConfig("header");
        writeRaw(dir, 1_000_000, "{}".getBytes(StandardCharsets.UTF_8));
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir)),
                "model.safetensors", "header length 1000000", "past the end");
    }

    @Test
    void invalidJsonIsRejected() throws IOException {
        Path dir = copyConfig("json");
        byte[] header = "{\"transformer.wte.weight\": {\"dtype\": ".getBytes(StandardCharsets.UTF_8);
        writeRaw(dir, header.length, header);
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir)), "model.safetensors", "invalid JSON");
    }

    @Test
    void unknownDtypeNamesTheKey() throws IOException {
        Path dir = copyConfig("dtype");
        byte[] header = "{\"transformer.ln_f.bias\": {\"dtype\": \"F8_E4M3\", \"shape\": [32], \"data_offsets\": [0, 32]}}"
                .getBytes(StandardCharsets.UTF_8);
        writeRaw(dir, header.length, concat(header, new byte[32]));
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir)),
                "model.safetensors", "transformer.ln_f.bias", "F8_E4M3");
    }

    @Test
    void overlappingOffsetsAreRejected() throws IOException {
        Path dir = copyConfig("overlap");
        byte[] header = ("{\"transformer.ln_f.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"transformer.ln_f.weight\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}")
                .getBytes(StandardCharsets.UTF_8);
        writeRaw(dir, header.length, concat(header, new byte[12]));
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir)),
                "model.safetensors", "transformer.ln_f.weight", "overlap");
    }

    @Test
    void shapeDisagreeingWithTheConfigNamesKeyAndShapes() throws IOException {
        Path dir = copyConfig("shape");
        Map<String, Tensor> tensors = readAll();
        tensors.put("transformer.wpe.weight", Tensor.zeros(DType.FLOAT32, 32, 32));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir)),
                "model.safetensors", "transformer.wpe.weight", "[32, 32]", "[64, 32]");
    }

    @Test
    void missingKeyIsNamed() throws IOException {
        Path dir = copyConfig("missing");
        Map<String, Tensor> tensors = readAll();
        tensors.remove("transformer.h.1.mlp.c_fc.bias");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir)),
                "model.safetensors", "missing tensor 'transformer.h.1.mlp.c_fc.bias'");
    }

    @Test
    void missingFilesAreNamed() {
        assertMentions(assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(tmp.resolve("nowhere"))), "config.json");
    }

    private Path copyConfig(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }

    private static Map<String, Tensor> readAll() {
        try (SafetensorsReader r = SafetensorsReader.open(TINY.resolve("model.safetensors"))) {
            return new LinkedHashMap<>(r.readAll());
        }
    }

    private static void writeRaw(Path dir, long headerLength, byte[] rest) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(rest);
        Files.write(dir.resolve("model.safetensors"), b.array());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should mention '" + p + "'");
        }
    }
}
