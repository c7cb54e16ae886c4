package dev.rlhf4j.nn.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.nn.io.StrictJson;
import dev.rlhf4j.nn.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * GPT-2 hyper-parameters with Hugging Face's {@code config.json} names.
 *
 * @param nLayer number of blocks ({@code n_layer})
 * @param nHead attention heads per block ({@code n_head})
 * @param nEmbd channels C ({@code n_embd}); must be divisible by nHead
 * @param nPositions context length ({@code n_positions})
 * @param vocabSize V ({@code vocab_size})
 * @param layerNormEpsilon {@code layer_norm_epsilon}
 * @param activationFunction {@code activation_function}; GPT-2's {@code gelu_new} (tanh approximation)
 * @param dtype the checkpoint's {@code torch_dtype} / {@code dtype} (informational, e.g. "float32")
 * @param bosTokenId {@code bos_token_id}
 * @param eosTokenId {@code eos_token_id}
 * @param embdPdrop dropout after the embeddings, in training mode
 * @param attnPdrop dropout on attention probabilities, in training mode
 * @param residPdrop dropout on each residual branch, in training mode
 */
public record Gpt2Config(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize, double layerNormEpsilon,
                         String activationFunction, String dtype, int bosTokenId, int eosTokenId,
                         double embdPdrop, double attnPdrop, double residPdrop) implements ModelConfig {

    public Gpt2Config {
        if (nLayer <= 0 || nHead <= 0 || nEmbd <= 0 || nPositions <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("Gpt2Config: n_layer, n_head, n_embd, n_positions and vocab_size must be positive, got "
                    + nLayer + ", " + nHead + ", " + nEmbd + ", " + nPositions + ", " + vocabSize);
        }
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("Gpt2Config: n_embd " + nEmbd + " is not divisible by n_head " + nHead);
        }
        if (!activationFunction.equals("gelu_new") && !activationFunction.equals("gelu_pytorch_tanh")) {
            throw new IllegalArgumentException("Gpt2Config: activation_function '" + activationFunction
                    + "' is not supported (GPT-2 uses gelu_new)");
        }
    }

    private static Gpt2Config preset(int nLayer, int nHead, int nEmbd) {
        return new Gpt2Config(nLayer, nHead, nEmbd, 1024, 50257, 1e-5, "gelu_new", "float32", 50256, 50256, 0.1, 0.1, 0.1);
    }

    /** GPT-2 small, 124M parameters. */
    public static Gpt2Config gpt2() {
        return preset(12, 12, 768);
    }

    /** GPT-2 medium, 350M parameters. */
    public static Gpt2Config gpt2Medium() {
        return preset(24, 16, 1024);
    }

    /** GPT-2 large, 774M parameters. */
    public static Gpt2Config gpt2Large() {
        return preset(36, 20, 1280);
    }

    /** GPT-2 XL, 1.5B parameters. */
    public static Gpt2Config gpt2Xl() {
        return preset(48, 25, 1600);
    }

    /** The shape of the gpt2-tiny-random fixture: 2 layers, 4 heads, 32 channels, 64 positions, vocabulary 512. */
    public static Gpt2Config tiny() {
        return new Gpt2Config(2, 4, 32, 64, 512, 1e-5, "gelu_new", "float32", 511, 511, 0.0, 0.0, 0.0);
    }

    /** A small model with the real vocabulary for demos: 4 layers, 4 heads, 128 channels, 256 positions. */
    public static Gpt2Config small() {
        return new Gpt2Config(4, 4, 128, 256, 50257, 1e-5, "gelu_new", "float32", 50256, 50256, 0.0, 0.0, 0.0);
    }

    /** A preset by name: gpt2, gpt2-medium, gpt2-large, gpt2-xl, tiny, small. */
    public static Gpt2Config preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "gpt2" -> gpt2();
            case "gpt2-medium" -> gpt2Medium();
            case "gpt2-large" -> gpt2Large();
            case "gpt2-xl" -> gpt2Xl();
            case "tiny" -> tiny();
            case "small" -> small();
            default -> throw new IllegalArgumentException("unknown GPT-2 preset '" + name
                    + "' (expected gpt2, gpt2-medium, gpt2-large, gpt2-xl, tiny, small)");
        };
    }

    /** Size of one head, hs = C / nh. */
    public int headSize() {
        return nEmbd / nHead;
    }

    /** Width of the MLP's hidden layer (4 C, as {@code n_inner: null}). */
    public int nInner() {
        return 4 * nEmbd;
    }

    @Override
    public String modelType() {
        return "gpt2";
    }

    @Override
    public int maxPositions() {
        return nPositions;
    }

    @Override
    public int hiddenSize() {
        return nEmbd;
    }

    @Override
    public int numLayers() {
        return nLayer;
    }

    @Override
    public int numAttentionHeads() {
        return nHead;
    }

    @Override
    public int numKeyValueHeads() {
        return nHead;
    }

    @Override
    public int headDim() {
        return headSize();
    }

    @Override
    public int intermediateSize() {
        return nInner();
    }

    /** Parameters of the model (the tied LM head counted once): embeddings, n_layer blocks and ln_f. */
    @Override
    public long numParameters() {
        long c = nEmbd;
        long block = 2 * (2 * c)                               // ln_1, ln_2
                + c * 3 * c + 3 * c + c * c + c                // attn.c_attn, attn.c_proj
                + c * nInner() + nInner() + (long) nInner() * c + c; // mlp.c_fc, mlp.c_proj
        return (long) vocabSize * c + (long) nPositions * c + nLayer * block + 2 * c;
    }

    @Override
    public boolean hasDropout() {
        return attnPdrop > 0 || residPdrop > 0;
    }

    @Override
    public Gpt2Config withoutDropout() {
        return new Gpt2Config(nLayer, nHead, nEmbd, nPositions, vocabSize, layerNormEpsilon, activationFunction, dtype,
                bosTokenId, eosTokenId, 0.0, 0.0, 0.0);
    }

    @Override
    public Gpt2Config resized(int layers, int heads, int hidden, int positions, int vocab, int bos, int eos) {
        return new Gpt2Config(layers, heads, hidden, positions, vocab, layerNormEpsilon, activationFunction, dtype, bos, eos,
                embdPdrop, attnPdrop, residPdrop);
    }

    @Override
    public Gpt2Config withNumLayers(int layers) {
        return new Gpt2Config(layers, nHead, nEmbd, nPositions, vocabSize, layerNormEpsilon, activationFunction, dtype,
                bosTokenId, eosTokenId, embdPdrop, attnPdrop, residPdrop);
    }

    @Override
    public Gpt2Config withStorageType(String storage) {
        return new Gpt2Config(nLayer, nHead, nEmbd, nPositions, vocabSize, layerNormEpsilon, activationFunction, storage,
                bosTokenId, eosTokenId, embdPdrop, attnPdrop, residPdrop);
    }

    /**
     * Reads a Hugging Face {@code config.json} strictly (see {@link StrictJson}): sizes are exact integers, and the
     * flags that describe a different computation than this GPT-2 ({@code model_type}, {@code tie_word_embeddings},
     * {@code scale_attn_weights}, {@code n_inner}, ...) are refused rather than ignored. Accepts both
     * {@code torch_dtype} and {@code dtype}.
     */
    public static Gpt2Config read(Path file) {
        JsonNode root = StrictJson.readObject(file);
        String src = file.toString();
        requireValue(root, src, "model_type", "gpt2");
        requireFlag(root, src, "tie_word_embeddings", true);
        requireFlag(root, src, "scale_attn_weights", true);
        requireFlag(root, src, "scale_attn_by_inverse_layer_idx", false);
        requireFlag(root, src, "reorder_and_upcast_attn", false);
        requireFlag(root, src, "add_cross_attention", false);
        int nLayer = StrictJson.requiredInt(root, "n_layer", src);
        int nHead = StrictJson.requiredInt(root, "n_head", src);
        int nEmbd = StrictJson.requiredInt(root, "n_embd", src);
        JsonNode inner = root.get("n_inner");
        if (inner != null && !inner.isNull() && StrictJson.exactInt(inner, src + ": 'n_inner'") != 4 * nEmbd) {
            throw new IllegalArgumentException(src + ": n_inner " + inner + " is not supported (only null or 4 * n_embd = "
                    + 4 * nEmbd + ")");
        }
        String dtype = StrictJson.optionalString(root, "torch_dtype", StrictJson.optionalString(root, "dtype", "float32", src), src);
        try {
            return new Gpt2Config(nLayer, nHead, nEmbd,
                    StrictJson.requiredInt(root, "n_positions", src), StrictJson.requiredInt(root, "vocab_size", src),
                    StrictJson.optionalDouble(root, "layer_norm_epsilon", 1e-5, src),
                    StrictJson.optionalString(root, "activation_function", "gelu_new", src), dtype,
                    StrictJson.optionalInt(root, "bos_token_id", 50256, src), StrictJson.optionalInt(root, "eos_token_id", 50256, src),
                    StrictJson.optionalDouble(root, "embd_pdrop", 0.1, src), StrictJson.optionalDouble(root, "attn_pdrop", 0.1, src),
                    StrictJson.optionalDouble(root, "resid_pdrop", 0.1, src));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(src) ? e : new IllegalArgumentException(src + ": " + e.getMessage(), e);
        }
    }

    private static void requireFlag(JsonNode root, String src, String key, boolean computed) {
        if (StrictJson.optionalBoolean(root, key, computed, src) != computed) {
            throw new IllegalArgumentException(src + ": " + key + " = " + !computed + " describes a model rlhf4j does not compute"
                    + " (GPT-2 has " + key + " = " + computed + ")");
        }
    }

    private static void requireValue(JsonNode root, String src, String key, String expected) {
        String value = StrictJson.optionalString(root, key, expected, src);
        if (!value.equals(expected)) {
            throw new IllegalArgumentException(src + ": " + key + " '" + value + "' is not supported (expected '" + expected + "')");
        }
    }

    /** This config as a Hugging Face {@code config.json} that {@code GPT2LMHeadModel.from_pretrained} reads. */
    @Override
    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        n.put("activation_function", activationFunction);
        n.put("add_cross_attention", false);
        n.putArray("architectures").add("GPT2LMHeadModel");
        n.put("attn_pdrop", attnPdrop);
        n.put("bos_token_id", bosTokenId);
        n.put("dtype", dtype);
        n.put("embd_pdrop", embdPdrop);
        n.put("eos_token_id", eosTokenId);
        n.put("initializer_range", 0.02);
        n.put("layer_norm_epsilon", layerNormEpsilon);
        n.put("model_type", "gpt2");
        n.put("n_embd", nEmbd);
        n.put("n_head", nHead);
        n.putNull("n_inner");
        n.put("n_layer", nLayer);
        n.put("n_positions", nPositions);
        n.put("reorder_and_upcast_attn", false);
        n.put("resid_pdrop", residPdrop);
        n.put("scale_attn_by_inverse_layer_idx", false);
        n.put("scale_attn_weights", true);
        n.put("tie_word_embeddings", true);
        n.put("torch_dtype", dtype);
        n.put("use_cache", true);
        n.put("vocab_size", vocabSize);
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }
}
