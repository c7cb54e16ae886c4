package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.model.KvCache;
import java.util.Map;

/**
 * Grouped-query causal self-attention, {@code LlamaAttention} (Ainslie et al. 2023): nh query heads share nkv
 * key/value heads, n_rep = nh / nkv queries per key/value head ({@code repeat_kv}); queries and keys are rotated by
 * RoPE; scores scaled by 1 / sqrt(hs), masked by an additive bias (causal and padding), softmax, then {@code o_proj}.
 * Qwen2 adds a bias to q/k/v, Qwen3 an RMSNorm over each query and key head before RoPE ({@code q_norm}, {@code
 * k_norm}): config flags, not other classes.
 *
 * <p>{@code repeat_kv} is never materialised: the n_rep query heads of a group are stacked along the query axis, so
 * one batched product per group reads its key/value head once. The KV cache holds the nkv heads only.
 *
 * <p>Legend: B batch, T new positions, Tk key positions (cached + new), C channels, nh query heads, nkv key/value
 * heads, g = n_rep, hs head size.
 */
public final class LlamaAttention implements Module {
    private final Linear qProj;                  // (nh hs, C)
    private final Linear kProj;                  // (nkv hs, C)
    private final Linear vProj;                  // (nkv hs, C)
    private final Linear oProj;                  // (C, nh hs)
    private final RMSNorm qNorm;                 // (hs), Qwen3 only
    private final RMSNorm kNorm;                 // (hs), Qwen3 only
    private final int nh;
    private final int nkv;
    private final int hs;
    private final int layer;
    private final double attentionDropout;

    public LlamaAttention(String name, int layer, LlamaConfig config, DType type) {
        this.nh = config.numAttentionHeads();
        this.nkv = config.numKeyValueHeads();
        this.hs = config.headDim();
        long c = config.hiddenSize();
        this.qProj = new Linear(name + ".q_proj", Linear.Layout.TORCH_LINEAR, c, (long) nh * hs, config.qkvBias(), type);
        this.kProj = new Linear(name + ".k_proj", Linear.Layout.TORCH_LINEAR, c, (long) nkv * hs, config.qkvBias(), type);
        this.vProj = new Linear(name + ".v_proj", Linear.Layout.TORCH_LINEAR, c, (long) nkv * hs, config.qkvBias(), type);
        this.oProj = new Linear(name + ".o_proj", Linear.Layout.TORCH_LINEAR, (long) nh * hs, c, config.oBias(), type);
        this.qNorm = config.qkNorm() ? new RMSNorm(name + ".q_norm", hs, config.rmsNormEps(), type) : null;
        this.kNorm = config.qkNorm() ? new RMSNorm(name + ".k_norm", hs, config.rmsNormEps(), type) : null;
        this.layer = layer;
        this.attentionDropout = config.attentionDropout();
    }

    /**
     * @param x (B, T, C)
     * @param pe RoPE's cos and sin for the T new positions, (B or 1, 1, T, hs)
     * @param bias (B or 1, 1, T, Tk): masked where a query may not attend to a key, else 0; null if none is masked
     * @param cache keys and values of earlier positions (this layer's are appended), or null
     * @param dropout random source for attention dropout in training mode, or null in eval mode
     * @return (B, T, C)
     */
    public Tensor forward(Tensor x, RotaryEmbedding.PositionEmbeddings pe, Tensor bias, KvCache cache, TensorRandom dropout) {
        long b = x.size(0);
        long t = x.size(1);
        Tensor q = qProj.forward(x).reshape(b, t, nh, hs);                              // (B, T, nh, hs)
        Tensor k = kProj.forward(x).reshape(b, t, nkv, hs);                             // (B, T, nkv, hs)
        Tensor v = vProj.forward(x).reshape(b, t, nkv, hs).transpose(1, 2);             // (B, nkv, T, hs)
        if (qNorm != null) {
            q = qNorm.forward(q);                                                       // (B, T, nh, hs)
            k = kNorm.forward(k);                                                       // (B, T, nkv, hs)
        }
        q = RotaryEmbedding.apply(q.transpose(1, 2), pe);                               // (B, nh, T, hs)
        k = RotaryEmbedding.apply(k.transpose(1, 2), pe);                               // (B, nkv, T, hs)
        if (cache != null) {
            cache.checkRoom(b, t);
            int past = cache.length();
            try (NoGrad ng = NoGrad.enter()) {
                cache.keys(layer).narrow(2, past, t).assign(k);
                cache.values(layer).narrow(2, past, t).assign(v);
            }
            k = cache.keys(layer).narrow(2, 0, past + t);                               // (B, nkv, Tk, hs)
            v = cache.values(layer).narrow(2, 0, past + t);                             // (B, nkv, Tk, hs)
        }
        Tensor y = attend(q, k, v, bias, dropout);                                      // (B, nh, T, hs)
        y = y.transpose(1, 2).reshape(b, t, (long) nh * hs);                            // (B, T, nh hs)
        return oProj.forward(y);                                                        // (B, T, C)
    }

    /**
     * softmax(q k^T / sqrt(hs) + bias) v with query head h reading key/value head h / g, as {@code repeat_kv} then
     * {@code eager_attention_forward}: q (B, nh, T, hs), k and v (B, nkv, Tk, hs), result (B, nh, T, hs).
     */
    private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor bias, TensorRandom dropout) {
        long b = q.size(0);
        long t = q.size(2);
        long tk = k.size(2);
        long g = nh / nkv;
        Tensor grouped = q.reshape(b, nkv, g * t, hs);                                  // (B, nkv, g T, hs)
        Tensor att = grouped.matmul(k.transpose(2, 3)).mul(1.0 / Math.sqrt(hs));        // (B, nkv, g T, Tk)
        att = att.reshape(b, nh, t, tk);                                                // (B, nh, T, Tk)
        if (bias != null) {
            att = att.add(bias);
        }
        att = att.softmax(3);
        if (dropout != null && attentionDropout > 0) {
            att = att.dropout(attentionDropout, dropout);
        }
        Tensor y = att.reshape(b, nkv, g * t, tk).matmul(v);                            // (B, nkv, g T, hs)
        return y.reshape(b, nh, t, hs);                                                 // (B, nh, T, hs)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        qProj.collectParameters(out);
        kProj.collectParameters(out);
        vProj.collectParameters(out);
        oProj.collectParameters(out);
        if (qNorm != null) {
            qNorm.collectParameters(out);
            kNorm.collectParameters(out);
        }
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        qProj.collectLinears(out);
        kProj.collectLinears(out);
        vProj.collectLinears(out);
        oProj.collectLinears(out);
    }
}
