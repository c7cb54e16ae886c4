package dev.rlhf4j.nn.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.nn.io.StrictJson;
import java.nio.file.Path;

/**
 * Reads a Llama, Qwen2 or Qwen3 {@code config.json} strictly, with each model's own defaults (as its transformers
 * configuration class has them): sizes are exact integers, and a setting that describes a computation rlhf4j does not
 * do (another activation, sliding-window layers, an unsupported RoPE type) is refused in one line naming it.
 *
 * <p>What differs by {@code model_type}: Llama reads {@code attention_bias} (q, k, v and o) and {@code mlp_bias};
 * Qwen2 always has a bias on q, k and v and none on o; Qwen3 reads {@code attention_bias} and adds {@code q_norm} /
 * {@code k_norm}, and its {@code head_dim} defaults to 128 rather than hidden / heads.
 */
final class LlamaConfigReader {
    private LlamaConfigReader() {
    }

    static LlamaConfig read(Path file) {
        JsonNode root = StrictJson.readObject(file);
        String src = file.toString();
        String type = StrictJson.optionalString(root, "model_type", "", src);
        if (!LlamaFamily.MODEL_TYPES.contains(type)) {
            throw new IllegalArgumentException(src + ": model_type '" + type + "' is not supported (supported: "
                    + String.join(", ", LlamaFamily.MODEL_TYPES) + ")");
        }
        String act = StrictJson.optionalString(root, "hidden_act", "silu", src);
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(src + ": hidden_act '" + act + "' is not supported (the Llama family uses silu)");
        }
        if (StrictJson.optionalBoolean(root, "use_sliding_window", false, src)) {
            throw new IllegalArgumentException(src + ": use_sliding_window = true is not supported (full attention only)");
        }
        JsonNode layerTypes = root.get("layer_types");
        if (layerTypes != null && !layerTypes.isNull()) {
            for (JsonNode t : layerTypes) {
                if (!"full_attention".equals(t.asText())) {
                    throw new IllegalArgumentException(src + ": layer type " + StrictJson.describe(t)
                            + " is not supported (full_attention only)");
                }
            }
        }
        boolean llama = type.equals("llama");
        boolean qwen2 = type.equals("qwen2");
        boolean mlpBias = StrictJson.optionalBoolean(root, "mlp_bias", false, src);
        if (mlpBias && !llama) {
            throw new IllegalArgumentException(src + ": mlp_bias = true is not part of " + type);
        }
        boolean attentionBias = !qwen2 && StrictJson.optionalBoolean(root, "attention_bias", false, src);
        int hidden = StrictJson.requiredInt(root, "hidden_size", src);
        int heads = StrictJson.requiredInt(root, "num_attention_heads", src);
        int headDim = StrictJson.optionalInt(root, "head_dim", type.equals("qwen3") ? 128 : hidden / Math.max(heads, 1), src);
        String dtype = StrictJson.optionalString(root, "dtype", StrictJson.optionalString(root, "torch_dtype", "float32", src), src);
        try {
            return new LlamaConfig(type,
                    StrictJson.requiredInt(root, "vocab_size", src), hidden,
                    StrictJson.requiredInt(root, "intermediate_size", src),
                    StrictJson.requiredInt(root, "num_hidden_layers", src), heads,
                    StrictJson.optionalInt(root, "num_key_value_heads", heads, src), headDim,
                    StrictJson.optionalInt(root, "max_position_embeddings", llama ? 2048 : 32768, src),
                    StrictJson.optionalDouble(root, "rms_norm_eps", 1e-6, src),
                    RopeParameters.read(root, src),
                    qwen2 || attentionBias, attentionBias, mlpBias, type.equals("qwen3"),
                    StrictJson.optionalBoolean(root, "tie_word_embeddings", false, src),
                    StrictJson.optionalDouble(root, "attention_dropout", 0.0, src),
                    StrictJson.optionalDouble(root, "initializer_range", 0.02, src), dtype,
                    StrictJson.optionalInt(root, "bos_token_id", -1, src),
                    StrictJson.intOrIntList(root, "eos_token_id", src),
                    StrictJson.optionalInt(root, "pad_token_id", -1, src));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(src) ? e : new IllegalArgumentException(src + ": " + e.getMessage(), e);
        }
    }
}
