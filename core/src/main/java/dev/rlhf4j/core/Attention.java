package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;

/**
 * Scaled dot-product attention, {@code torch.nn.functional.scaled_dot_product_attention}:
 * <pre>
 *   y = dropout(softmax(q k^T / sqrt(hs) + bias)) v
 * </pre>
 * Legend: B batch, nh heads, T queries, Tk keys, hs head size; q (B, nh, T, hs), k and v (B, nh, Tk, hs),
 * bias broadcastable to (B, nh, T, Tk) (0 where a query may attend, a large negative number where not).
 *
 * <p>Built from primitives (matmul, scale, add, softmax, dropout), so backward is theirs.
 */
final class Attention {
    private Attention() {
    }

    static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor bias, double dropoutP, TensorRandom random) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || k.size(3) != q.size(3) || !java.util.Arrays.equals(k.shape(), v.shape())
                || k.size(0) != q.size(0) || k.size(1) != q.size(1)) {
            throw new ShapeException("scaledDotProductAttention: needs q (B, nh, T, hs) and k, v (B, nh, Tk, hs), got q "
                    + Shapes.str(q.shape()) + ", k " + Shapes.str(k.shape()) + ", v " + Shapes.str(v.shape()));
        }
        checkBias(bias, q.size(0), q.size(1), q.size(2), k.size(2));
        double scale = 1.0 / Math.sqrt(q.size(3));
        Tensor att = q.matmul(k.transpose(2, 3)).mul(scale);             // (B, nh, T, Tk)
        if (bias != null) {
            att = att.add(bias);
        }
        att = att.softmax(3);
        if (dropoutP > 0) {
            att = att.dropout(dropoutP, random);
        }
        return att.matmul(v);                                            // (B, nh, T, hs)
    }

    /**
     * Multi-head attention of new positions over a KV cache, as {@code flash_attn_with_kvcache}: writes the keys
     * and values of {@code qkv} (B, T, 3C: queries, keys, values side by side, as GPT-2's {@code c_attn} makes
     * them) into rows [past, past + T) of the caches (B, nh, capacity, hs), then attends the queries over rows
     * [0, past + T) and returns the heads merged back, (B, T, C). Writing into the caches records no graph.
     *
     * <p>Views, copies and {@link #scaledDotProduct}; for one decoding step on the CPU, one pass (core.cpu).
     */
    static Tensor withKvCache(Tensor qkv, Tensor keyCache, Tensor valueCache, int past, int heads, Tensor bias) {
        if (qkv.rank() != 3 || keyCache.rank() != 4 || heads < 1) {
            throw new ShapeException("attention with KV cache: needs qkv (B, T, 3 nh hs) and caches (B, nh, capacity, hs), got qkv "
                    + Shapes.str(qkv.shape()) + " and caches " + Shapes.str(keyCache.shape()) + ", " + heads + " heads");
        }
        long b = qkv.size(0);
        long t = qkv.size(1);
        long c = qkv.size(2) / 3;
        long hs = c / heads;
        if (qkv.size(2) != 3 * c || c != heads * hs || past < 0
                || !java.util.Arrays.equals(keyCache.shape(), valueCache.shape()) || keyCache.size(0) != b
                || keyCache.size(1) != heads || keyCache.size(3) != hs || past + t > keyCache.size(2)) {
            throw new ShapeException("attention with KV cache: needs qkv (B, T, 3 nh hs) and caches (B, nh, capacity, hs) with room for "
                    + past + " + T rows, got qkv " + Shapes.str(qkv.shape()) + ", caches " + Shapes.str(keyCache.shape())
                    + " and " + Shapes.str(valueCache.shape()) + ", " + heads + " heads");
        }
        checkBias(bias, b, heads, t, past + t);
        if (!Tensor.recording(qkv, keyCache, valueCache, bias) && fitsKernel(qkv, keyCache, valueCache, bias)) {
            return fastWithKvCache(qkv, keyCache, valueCache, past, heads, bias);
        }
        Tensor q = qkv.narrow(2, 0, c).reshape(b, t, heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        Tensor k = qkv.narrow(2, c, c).reshape(b, t, heads, hs).transpose(1, 2);
        Tensor v = qkv.narrow(2, 2 * c, c).reshape(b, t, heads, hs).transpose(1, 2);
        keyCache.narrow(2, past, t).assign(k);
        valueCache.narrow(2, past, t).assign(v);
        Tensor keys = keyCache.narrow(2, 0, past + t);                                       // (B, nh, Tk, hs)
        Tensor values = valueCache.narrow(2, 0, past + t);
        return scaledDotProduct(q, keys, values, bias, 0, null).transpose(1, 2).reshape(b, t, c);   // (B, T, C)
    }

    /** A bias must be 4-D and broadcastable to (B, nh, T, Tk). */
    private static void checkBias(Tensor bias, long b, long nh, long t, long tk) {
        if (bias == null) {
            return;
        }
        long[] want = {b, nh, t, tk};
        boolean ok = bias.rank() == 4;
        for (int i = 0; ok && i < 4; i++) {
            ok = bias.size(i) == 1 || bias.size(i) == want[i];
        }
        if (!ok) {
            throw new ShapeException("attention: bias " + Shapes.str(bias.shape()) + " does not broadcast to (B, nh, T, Tk) = "
                    + Shapes.str(want));
        }
    }

    // ------------------------------------------------------------ fast twin (core.cpu): the definition above, faster

    /** {@link #withKvCache} for one decoding step with no graph: the cache writes and the attention as one pass. */
    private static Tensor fastWithKvCache(Tensor qkv, Tensor keyCache, Tensor valueCache, int past, int heads, Tensor bias) {
        return Tensor.inferenceResult("attentionWithKvCache", CpuKernels.attendWithKvCache(qkv.computeValue(),
                keyCache.value(), valueCache.value(), past, heads, bias == null ? null : bias.computeValue()));
    }

    /** The one-pass kernel reads the caches in place: they and qkv must be contiguous, of qkv's type, and small. */
    private static boolean fitsKernel(Tensor qkv, Tensor keyCache, Tensor valueCache, Tensor bias) {
        return bias == null ? CpuKernels.applies(Path.SMALL, qkv.value(), keyCache.value(), valueCache.value())
                : CpuKernels.applies(Path.SMALL, qkv.value(), keyCache.value(), valueCache.value(), bias.value());
    }
}
