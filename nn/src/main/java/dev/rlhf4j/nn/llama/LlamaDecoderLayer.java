package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.model.KvCache;
import java.util.Map;

/**
 * One pre-norm decoder layer {@code layers.i}, {@code LlamaDecoderLayer}: {@code x + self_attn(input_layernorm(x))},
 * then {@code x + mlp(post_attention_layernorm(x))}.
 *
 * <p>Legend: B batch, T time, Tk key positions, C channels, hs head size.
 */
public final class LlamaDecoderLayer implements Module {
    private final LlamaAttention selfAttn;
    private final LlamaMLP mlp;
    private final RMSNorm inputLayernorm;        // (C)
    private final RMSNorm postAttentionLayernorm; // (C)

    public LlamaDecoderLayer(String name, int layer, LlamaConfig config, DType type) {
        this.selfAttn = new LlamaAttention(name + ".self_attn", layer, config, type);
        this.mlp = new LlamaMLP(name + ".mlp", config, type);
        this.inputLayernorm = new RMSNorm(name + ".input_layernorm", config.hiddenSize(), config.rmsNormEps(), type);
        this.postAttentionLayernorm = new RMSNorm(name + ".post_attention_layernorm", config.hiddenSize(), config.rmsNormEps(), type);
    }

    /** (B, T, C) to (B, T, C); {@code pe}, {@code bias}, {@code cache}, {@code dropout} as {@link LlamaAttention#forward}. */
    public Tensor forward(Tensor x, RotaryEmbedding.PositionEmbeddings pe, Tensor bias, KvCache cache, TensorRandom dropout) {
        x = x.add(selfAttn.forward(inputLayernorm.forward(x), pe, bias, cache, dropout));    // (B, T, C)
        return x.add(mlp.forward(postAttentionLayernorm.forward(x)));                         // (B, T, C)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        selfAttn.collectParameters(out);
        mlp.collectParameters(out);
        inputLayernorm.collectParameters(out);
        postAttentionLayernorm.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        selfAttn.collectLinears(out);
        mlp.collectLinears(out);
    }
}
