package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.model.KvCache;
import java.util.Map;

/**
 * Multi-head causal self-attention, GPT-2's {@code attn}: one {@code c_attn} projection to queries, keys and
 * values, scaled dot products masked by an additive bias (causal and padding), softmax, and {@code c_proj}.
 *
 * <p>Legend: B batch, T new positions, Tk key positions (cached + new), C channels, nh heads, hs head size.
 */
public final class CausalSelfAttention implements Module {
    private final Linear cAttn;                  // (C, 3C)
    private final Linear cProj;                  // (C, C)
    private final int nHead;
    private final int layer;
    private final double attnPdrop;
    private final double residPdrop;

    public CausalSelfAttention(String name, int layer, Gpt2Config config, DType type) {
        this.cAttn = Linear.conv1d(name + ".c_attn", config.nEmbd(), 3L * config.nEmbd(), type);
        this.cProj = Linear.conv1d(name + ".c_proj", config.nEmbd(), config.nEmbd(), type);
        this.nHead = config.nHead();
        this.layer = layer;
        this.attnPdrop = config.attnPdrop();
        this.residPdrop = config.residPdrop();
    }

    /**
     * @param x (B, T, C)
     * @param bias (B or 1, 1, T, Tk): {@link dev.rlhf4j.nn.model.AttentionBias#MASKED} where a query may not attend to a key, else 0; null if none is masked
     * @param cache keys and values of earlier positions, or null; with a cache (inference) attention weights are not dropped out
     * @param dropout random source for dropout in training mode, or null in eval mode
     * @return (B, T, C)
     */
    public Tensor forward(Tensor x, Tensor bias, KvCache cache, TensorRandom dropout) {
        long b = x.size(0);
        long t = x.size(1);
        long c = x.size(2);
        long hs = c / nHead;
        Tensor qkv = cAttn.forward(x);                                                  // (B, T, 3C)
        Tensor y;
        if (cache != null) {
            cache.checkRoom(b, t);
            y = Tensor.attentionWithKvCache(qkv, cache.keys(layer), cache.values(layer), cache.length(), nHead, bias); // (B, T, C)
        } else {
            Tensor q = qkv.narrow(2, 0, c).reshape(b, t, nHead, hs).transpose(1, 2);    // (B, nh, T, hs)
            Tensor k = qkv.narrow(2, c, c).reshape(b, t, nHead, hs).transpose(1, 2);    // (B, nh, T, hs)
            Tensor v = qkv.narrow(2, 2 * c, c).reshape(b, t, nHead, hs).transpose(1, 2);
            double p = dropout == null ? 0 : attnPdrop;
            y = Tensor.scaledDotProductAttention(q, k, v, bias, p, dropout);            // (B, nh, T, hs)
            y = y.transpose(1, 2).reshape(b, t, c);                                     // (B, T, C)
        }
        y = cProj.forward(y);                                                           // (B, T, C)
        if (dropout != null && residPdrop > 0) {
            y = y.dropout(residPdrop, dropout);
        }
        return y;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        cAttn.collectParameters(out);
        cProj.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        cAttn.collectLinears(out);
        cProj.collectLinears(out);
    }
}
