package dev.rlhf4j.nn.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.nn.model.ModelConfig;
import java.io.IOException;
import java.util.List;

/**
 * Hyper-parameters of the Llama family with Hugging Face's {@code config.json} names. Llama, Qwen2 and Qwen3 differ
 * only in flags: Qwen2 has a bias on q/k/v (not o), Qwen3 normalises queries and keys per head ({@code q_norm},
 * {@code k_norm}); {@link LlamaConfigReader} sets them from {@code model_type}.
 *
 * @param modelType "llama", "qwen2" or "qwen3"
 * @param vocabSize V ({@code vocab_size})
 * @param hiddenSize C ({@code hidden_size})
 * @param intermediateSize the MLP's width ({@code intermediate_size})
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads nh query heads ({@code num_attention_heads})
 * @param numKeyValueHeads nkv key/value heads ({@code num_key_value_heads}); nh is a multiple of it
 * @param headDim hs ({@code head_dim}), not necessarily C / nh
 * @param maxPositionEmbeddings the context length ({@code max_position_embeddings})
 * @param rmsNormEps {@code rms_norm_eps}
 * @param rope the rotary embedding's settings
 * @param qkvBias a bias on q_proj, k_proj, v_proj (Llama's {@code attention_bias}; always for Qwen2)
 * @param oBias a bias on o_proj (Llama's {@code attention_bias}; never for Qwen2)
 * @param mlpBias a bias on gate/up/down ({@code mlp_bias})
 * @param qkNorm Qwen3's RMSNorm of each query and key head before RoPE
 * @param tieWordEmbeddings the LM head shares {@code embed_tokens} ({@code tie_word_embeddings})
 * @param attentionDropout dropout on attention probabilities in training mode ({@code attention_dropout})
 * @param initializerRange std of the normal initialisation ({@code initializer_range})
 * @param dtype the checkpoint's storage type (informational, e.g. "bfloat16")
 * @param bosTokenId {@code bos_token_id}
 * @param eosTokenIds {@code eos_token_id}, an int or a list in config.json
 * @param padTokenId {@code pad_token_id}, or -1 when null
 */
public record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, int maxPositionEmbeddings,
                          double rmsNormEps, RopeParameters rope, boolean qkvBias, boolean oBias, boolean mlpBias,
                          boolean qkNorm, boolean tieWordEmbeddings, double attentionDropout, double initializerRange,
                          String dtype, int bosTokenId, List<Integer> eosTokenIds, int padTokenId) implements ModelConfig {

    public LlamaConfig {
        if (!LlamaFamily.MODEL_TYPES.contains(modelType)) {
            throw new IllegalArgumentException("model_type '" + modelType + "' is not a Llama-family type (supported: "
                    + String.join(", ", LlamaFamily.MODEL_TYPES) + ")");
        }
        if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0
                || numKeyValueHeads <= 0 || headDim <= 0 || maxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("LlamaConfig: sizes must be positive, got vocab " + vocabSize + ", hidden " + hiddenSize
                    + ", intermediate " + intermediateSize + ", layers " + numHiddenLayers + ", heads " + numAttentionHeads + "/"
                    + numKeyValueHeads + ", head_dim " + headDim + ", positions " + maxPositionEmbeddings);
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("LlamaConfig: num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("LlamaConfig: head_dim " + headDim + " must be even (RoPE rotates pairs)");
        }
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The llama-tiny-random fixture's shape: vocabulary 384, 32 channels, 2 layers, 4 heads over 2 key/value heads. */
    public static LlamaConfig tiny() {
        return new LlamaConfig("llama", 384, 32, 72, 2, 4, 2, 8, 128, 1e-6, RopeParameters.standard(1e4), false, false, false,
                false, false, 0.0, 0.02, "float32", 1, List.of(2), -1);
    }

    /** SmolLM2-135M: 30 layers, 576 channels, 9 heads over 3 key/value heads, tied, vocabulary 49,152. */
    public static LlamaConfig smollm2135m() {
        return new LlamaConfig("llama", 49152, 576, 1536, 30, 9, 3, 64, 8192, 1e-5, RopeParameters.standard(1e5), false, false,
                false, false, true, 0.0, 0.041666666666666664, "bfloat16", 0, List.of(0), -1);
    }

    /** Qwen3-0.6B: 28 layers, 1024 channels, 16 heads of 128 over 8 key/value heads, q/k norms, tied. */
    public static LlamaConfig qwen306b() {
        return new LlamaConfig("qwen3", 151936, 1024, 3072, 28, 16, 8, 128, 40960, 1e-6, RopeParameters.standard(1e6), false, false,
                false, true, true, 0.0, 0.02, "bfloat16", 151643, List.of(151645), -1);
    }

    /** n_rep, the query heads that share one key/value head. */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    @Override
    public int maxPositions() {
        return maxPositionEmbeddings;
    }

    @Override
    public int numLayers() {
        return numHiddenLayers;
    }

    @Override
    public int eosTokenId() {
        return eosTokenIds.isEmpty() ? -1 : eosTokenIds.get(0);
    }

    /** Parameters of the causal LM, a tied head counted once. */
    @Override
    public long numParameters() {
        long c = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long i = intermediateSize;
        long attn = c * q + 2 * c * kv + q * c + (qkvBias ? q + 2 * kv : 0) + (oBias ? c : 0) + (qkNorm ? 2L * headDim : 0);
        long mlp = 3 * c * i + (mlpBias ? 2 * i + c : 0);
        long layer = attn + mlp + 2 * c;
        long embed = (long) vocabSize * c;
        return embed + numHiddenLayers * layer + c + (tieWordEmbeddings ? 0 : embed);
    }

    @Override
    public boolean hasDropout() {
        return attentionDropout > 0;
    }

    @Override
    public LlamaConfig withoutDropout() {
        return new LlamaConfig(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, rope, qkvBias, oBias, mlpBias, qkNorm,
                tieWordEmbeddings, 0.0, initializerRange, dtype, bosTokenId, eosTokenIds, padTokenId);
    }

    /**
     * The same architecture at other sizes: hs = hidden / heads, the MLP keeps its ratio to the hidden size, and the
     * key/value heads keep their count when it divides {@code heads} (else every head has its own).
     */
    @Override
    public LlamaConfig resized(int layers, int heads, int hidden, int positions, int vocab, int bos, int eos) {
        int kv = numKeyValueHeads <= heads && heads % numKeyValueHeads == 0 ? numKeyValueHeads : heads;
        int inter = Math.max(1, (int) Math.round((double) intermediateSize * hidden / hiddenSize));
        return new LlamaConfig(modelType, vocab, hidden, inter, layers, heads, kv, hidden / heads, positions, rmsNormEps, rope,
                qkvBias, oBias, mlpBias, qkNorm, tieWordEmbeddings, attentionDropout, initializerRange, dtype, bos, List.of(eos), padTokenId);
    }

    @Override
    public LlamaConfig withNumLayers(int layers) {
        return new LlamaConfig(modelType, vocabSize, hiddenSize, intermediateSize, layers, numAttentionHeads, numKeyValueHeads,
                headDim, maxPositionEmbeddings, rmsNormEps, rope, qkvBias, oBias, mlpBias, qkNorm, tieWordEmbeddings,
                attentionDropout, initializerRange, dtype, bosTokenId, eosTokenIds, padTokenId);
    }

    @Override
    public LlamaConfig withStorageType(String storage) {
        return new LlamaConfig(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, rope, qkvBias, oBias, mlpBias, qkNorm,
                tieWordEmbeddings, attentionDropout, initializerRange, storage, bosTokenId, eosTokenIds, padTokenId);
    }

    /** The {@code architectures} entry of the causal LM: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM. */
    public String causalLMArchitecture() {
        return className() + "ForCausalLM";
    }

    String className() {
        return switch (modelType) {
            case "qwen2" -> "Qwen2";
            case "qwen3" -> "Qwen3";
            default -> "Llama";
        };
    }

    /** This config as the {@code config.json} that transformers 5's {@code from_pretrained} reads (RoPE as {@code rope_parameters}). */
    @Override
    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        n.putArray("architectures").add(causalLMArchitecture());
        if (!modelType.equals("qwen2")) {
            n.put("attention_bias", qkvBias);
        }
        n.put("attention_dropout", attentionDropout);
        n.put("bos_token_id", bosTokenId);
        n.put("dtype", dtype);
        if (eosTokenIds.size() == 1) {
            n.put("eos_token_id", eosTokenIds.get(0));
        } else {
            eosTokenIds.forEach(n.putArray("eos_token_id")::add);
        }
        n.put("head_dim", headDim);
        n.put("hidden_act", "silu");
        n.put("hidden_size", hiddenSize);
        n.put("initializer_range", initializerRange);
        n.put("intermediate_size", intermediateSize);
        n.put("max_position_embeddings", maxPositionEmbeddings);
        if (modelType.equals("llama")) {
            n.put("mlp_bias", mlpBias);
        }
        n.put("model_type", modelType);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_key_value_heads", numKeyValueHeads);
        if (padTokenId >= 0) {
            n.put("pad_token_id", padTokenId);
        } else {
            n.putNull("pad_token_id");
        }
        n.put("rms_norm_eps", rmsNormEps);
        rope.write(n);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        n.put("torch_dtype", dtype);
        n.put("use_cache", true);
        if (!modelType.equals("llama")) {
            n.put("use_sliding_window", false);
        }
        n.put("vocab_size", vocabSize);
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }
}
