package dev.rlhf4j.nn.llama;

import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.model.AutoModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * What is the Llama family's own in a Hugging Face model directory: the sizes {@code config.json} declares checked
 * against the checkpoint's header before anything is allocated (each projection, norm and bias the flags call for,
 * and no more layers or biases than they say), and the files {@code save_pretrained} writes. Loading is {@link
 * AutoModel}'s; keys may carry the {@code model.} prefix or not. Every weight is in torch's Linear layout (out, in),
 * as {@link dev.rlhf4j.nn.Linear} keeps it: nothing is transposed.
 */
final class LlamaCheckpoint {
    private LlamaCheckpoint() {
    }

    static void checkSizes(LlamaConfig config, Path configFile, SafetensorsReader reader) {
        long c = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long i = config.intermediateSize();
        Check check = new Check(configFile, reader);
        check.shape("embed_tokens.weight", "vocab_size, hidden_size", config.vocabSize(), c);
        check.shape("norm.weight", "hidden_size", c);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String p = "layers." + l + ".";
            check.shape(p + "self_attn.q_proj.weight", "num_attention_heads * head_dim, hidden_size", q, c);
            check.shape(p + "self_attn.k_proj.weight", "num_key_value_heads * head_dim, hidden_size", kv, c);
            check.shape(p + "self_attn.v_proj.weight", "num_key_value_heads * head_dim, hidden_size", kv, c);
            check.shape(p + "self_attn.o_proj.weight", "hidden_size, num_attention_heads * head_dim", c, q);
            check.shape(p + "mlp.gate_proj.weight", "intermediate_size, hidden_size", i, c);
            check.shape(p + "mlp.up_proj.weight", "intermediate_size, hidden_size", i, c);
            check.shape(p + "mlp.down_proj.weight", "hidden_size, intermediate_size", c, i);
            check.shape(p + "input_layernorm.weight", "hidden_size", c);
            check.shape(p + "post_attention_layernorm.weight", "hidden_size", c);
            check.optional(p + "self_attn.q_proj.bias", config.qkvBias(), "q/k/v biases", q);
            check.optional(p + "self_attn.k_proj.bias", config.qkvBias(), "q/k/v biases", kv);
            check.optional(p + "self_attn.v_proj.bias", config.qkvBias(), "q/k/v biases", kv);
            check.optional(p + "self_attn.o_proj.bias", config.oBias(), "o_proj bias", c);
            check.optional(p + "self_attn.q_norm.weight", config.qkNorm(), "q_norm / k_norm (qwen3)", config.headDim());
            check.optional(p + "self_attn.k_norm.weight", config.qkNorm(), "q_norm / k_norm (qwen3)", config.headDim());
            check.optional(p + "mlp.gate_proj.bias", config.mlpBias(), "mlp biases", i);
        }
        if (!config.tieWordEmbeddings()) {
            check.shape("lm_head.weight", "vocab_size, hidden_size", config.vocabSize(), c);
        }
        String extra = "layers." + config.numHiddenLayers() + ".";
        for (String key : reader.entries().keySet()) {
            if (unprefixed(key).startsWith(extra)) {
                throw new CheckpointException(configFile + ": num_hidden_layers " + config.numHiddenLayers() + " but " + reader.file()
                        + " holds more layers (tensor '" + key + "')");
            }
        }
    }

    private static String unprefixed(String name) {
        return name.startsWith(LlamaForCausalLM.PREFIX) ? name.substring(LlamaForCausalLM.PREFIX.length()) : name;
    }

    /** Shape checks against one checkpoint, each message naming the config sizes, the key and both shapes. */
    private record Check(Path configFile, SafetensorsReader reader) {
        void shape(String name, String sizes, long... want) {
            String key = key(name);
            if (key == null) {
                throw new CheckpointException(reader.file() + ": missing tensor '" + fullName(name) + "' (also looked for '" + name + "')");
            }
            long[] shape = reader.entries().get(key).shape();
            if (!Arrays.equals(shape, want)) {
                throw new CheckpointException(configFile + ": (" + sizes + ") = " + Arrays.toString(want) + " but " + reader.file()
                        + " holds '" + key + "' of shape " + Arrays.toString(shape));
            }
        }

        /** A tensor that exists exactly when {@code wanted} ({@code what}: the flag in words). */
        void optional(String name, boolean wanted, String what, long... want) {
            if (wanted) {
                shape(name, what, want);
            } else if (key(name) != null) {
                throw new CheckpointException(configFile + ": the config has no " + what + " but " + reader.file() + " holds '"
                        + key(name) + "'");
            }
        }

        private String key(String name) {
            String full = fullName(name);
            return reader.contains(full) ? full : reader.contains(name) ? name : null;
        }

        private static String fullName(String name) {
            return name.startsWith("lm_head.") ? name : LlamaForCausalLM.PREFIX + name;
        }
    }

    static void save(LlamaForCausalLM model, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new CheckpointException(dir + ": cannot create directory: " + e, e);
        }
        SafetensorsWriter.write(dir.resolve(AutoModel.WEIGHTS), model.namedParameters(), Map.of("format", "pt"));
        LlamaConfig written = model.config().withStorageType(AutoModel.storageName(model.dtype()));
        SafetensorsWriter.writeText(dir.resolve(AutoModel.CONFIG), written.toJson());
    }
}
