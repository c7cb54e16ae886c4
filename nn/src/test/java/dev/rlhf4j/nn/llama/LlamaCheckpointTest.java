package dev.rlhf4j.nn.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hub-style folders: qwen3-tiny-chat (bf16, real Qwen3 vocabulary), configs in both RoPE spellings, refusals, sizes. */
class LlamaCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void bf16QwenChatLoadsWithItsStopTokens() {
        Path dir = Fixtures.path("qwen3-tiny-chat");
        LlamaConfig config = (LlamaConfig) AutoModel.checkedConfig(dir);
        assertEquals("qwen3", config.modelType());
        assertEquals(151936, config.vocabSize());
        assertEquals(16, config.headDim());
        assertEquals(2, config.numKeyValueHeads());
        assertTrue(config.qkNorm() && config.tieWordEmbeddings() && !config.qkvBias());
        assertEquals("bfloat16", config.dtype());
        assertEquals(List.of(151645), config.eosTokenIds());
        assertEquals(List.of(151645, 151643), AutoModel.stopTokens(dir));
        assertEquals(List.of(2), AutoModel.stopTokens(Fixtures.path("llama-tiny-random")));
        CausalLM model = AutoModel.fromPretrained(dir, DType.BFLOAT16);
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            assertEquals(DType.BFLOAT16, model.namedParameters().get("model.embed_tokens.weight").dtype());
            Tensor logits = model.forward(Tensor.ofInts(new int[] {151644, 872, 198, 9707}, 1, 4));     // (1, 4, V)
            assertEquals(DType.FLOAT32, logits.dtype(), "half storage computes in float32");
            for (double x : logits.toDoubleArray()) {
                assertTrue(Double.isFinite(x));
            }
            int[] out = new Generator(model).generate(new int[] {151644, 872, 198}, GenerationConfig.greedy(4, 151645)).sequences()[0];
            assertTrue(out.length >= 4);
        } finally {
            model.release();
        }
    }

    @Test
    void transformers4RopeSpellingReadsTheSameConfig() throws IOException {
        LlamaConfig v5 = (LlamaConfig) AutoModel.readConfig(Fixtures.path("llama3-rope-tiny-random/config.json"));
        String text = Files.readString(Fixtures.path("llama3-rope-tiny-random/config.json"))
                .replace("\"rope_parameters\"", "\"rope_scaling\"")
                .replace("\"rope_theta\": 500000.0,", "")
                .replace("\"tie_word_embeddings\"", "\"rope_theta\": 500000.0,\n  \"tie_word_embeddings\"");
        Path v4 = Files.writeString(tmp.resolve("config.json"), text);
        assertEquals(v5, AutoModel.readConfig(v4));
        assertEquals(new RopeParameters("llama3", 5e5, 8, 1, 4, 16), v5.rope());
    }

    @Test
    void unsupportedModelTypeAndRopeTypeAreOneLine() throws IOException {
        String config = Files.readString(Fixtures.path("llama-tiny-random/config.json"));
        Path mistral = Files.writeString(tmp.resolve("mistral.json"), config.replace("\"llama\"", "\"mistral\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AutoModel.readConfig(mistral));
        assertTrue(e.getMessage().contains("'mistral'") && e.getMessage().contains("llama, qwen2, qwen3"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Path yarn = Files.writeString(tmp.resolve("yarn.json"), config.replace("\"default\"", "\"yarn\""));
        e = assertThrows(IllegalArgumentException.class, () -> AutoModel.readConfig(yarn));
        assertTrue(e.getMessage().contains("'yarn'") && e.getMessage().contains("default, linear, llama3"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void sizesAreCheckedAgainstTheHeaderBeforeLoading() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.copy(Fixtures.path("qwen2-tiny-random/model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(Fixtures.path("qwen2-tiny-random/config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> AutoModel.checkedConfig(dir));
        assertTrue(e.getMessage().contains("k_proj") && e.getMessage().contains("[32, 32]"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), config.replace("\"qwen2\"", "\"qwen3\"").replace("\"hidden_act\"", "\"head_dim\": 8, \"hidden_act\""));
        e = assertThrows(CheckpointException.class, () -> AutoModel.checkedConfig(dir));
        assertTrue(e.getMessage().contains("the config has no q/k/v biases") && e.getMessage().contains("q_proj.bias"), e.getMessage());
    }

    /** A checkpoint split in two shards with save_pretrained's index loads bit-identical to the single file. */
    @Test
    void shardedCheckpointLoadsThroughItsIndex() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(Fixtures.path("llama-tiny-random/config.json"), dir.resolve("config.json"));
        CausalLM single = AutoModel.fromPretrained(Fixtures.path("llama-tiny-random"), DType.FLOAT32);
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata").put("total_size", single.numParameters() * 4);
        ObjectNode map = index.putObject("weight_map");
        for (Map.Entry<String, Tensor> e : single.namedParameters().entrySet()) {
            boolean one = e.getKey().startsWith("model.embed") || e.getKey().contains("layers.0.");
            (one ? first : second).put(e.getKey(), e.getValue());
            map.put(e.getKey(), one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
        Files.writeString(dir.resolve(AutoModel.WEIGHTS_INDEX), index.toString());
        CausalLM sharded = AutoModel.fromPretrained(dir, DType.FLOAT32);
        try {
            for (Map.Entry<String, Tensor> e : single.namedParameters().entrySet()) {
                assertEquals(e.getValue().toBytes(), sharded.namedParameters().get(e.getKey()).toBytes(), e.getKey());
            }
            map.put("model.norm.weight", "model-00001-of-00002.safetensors");
            Files.writeString(dir.resolve(AutoModel.WEIGHTS_INDEX), index.toString());
            CheckpointException e = assertThrows(CheckpointException.class, () -> AutoModel.checkedConfig(dir));
            assertTrue(e.getMessage().contains("model.norm.weight") && e.getMessage().contains("00001"), e.getMessage());
        } finally {
            single.release();
            sharded.release();
        }
    }

    @Test
    void parameterCountsMatchTheCheckpoints() {
        for (String f : LlamaForwardTest.FIXTURES) {
            CausalLM model = AutoModel.fromPretrained(Fixtures.path(f), DType.FLOAT32);
            assertEquals(model.numParameters(), model.config().numParameters(), f);
            model.release();
        }
    }
}
