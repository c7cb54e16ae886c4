package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;

/**
 * Keys and values of every layer for the positions seen so far, so that decoding one more token costs one
 * position's work instead of a full recomputation. Buffers are preallocated to {@code capacity} positions
 * and belong to the arena open at creation (if any), so create the cache outside the per-token arenas; each
 * step writes its keys and values into them in place. {@link #close()} frees them early. The cache is for
 * inference: writing into it records no graph, so no gradient flows through cached keys and values.
 *
 * <p>Legend: B batch, nh heads, hs head size, T new positions, L = length() cached positions.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;                 // per layer (B, nh, capacity, hs)
    private final Tensor[] values;               // per layer (B, nh, capacity, hs)
    private final int batch;
    private final int capacity;
    private int length;

    public KvCache(Gpt2Config config, int batch, int capacity, DType type) {
        if (capacity > config.nPositions()) {
            throw new IllegalArgumentException("KvCache: capacity " + capacity + " exceeds n_positions " + config.nPositions());
        }
        this.batch = batch;
        this.capacity = capacity;
        this.keys = new Tensor[config.nLayer()];
        this.values = new Tensor[config.nLayer()];
        for (int l = 0; l < config.nLayer(); l++) {
            keys[l] = Tensor.zeros(type, batch, config.nHead(), capacity, config.headSize());
            values[l] = Tensor.zeros(type, batch, config.nHead(), capacity, config.headSize());
        }
    }

    /** Number of cached positions. */
    public int length() {
        return length;
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Layer {@code layer}'s attention for new positions: stores their keys and values after the cached ones and
     * attends their queries over all of them.
     *
     * @param qkv (B, T, 3C), the layer's {@code c_attn} output
     * @param bias (B or 1, 1, T, L+T) or null, see {@link CausalSelfAttention#forward}
     * @return (B, T, C), the heads merged
     */
    Tensor attend(int layer, Tensor qkv, int heads, Tensor bias) {
        long t = qkv.size(1);
        if (length + t > capacity) {
            throw new IllegalStateException("KvCache: " + length + " cached + " + t + " new positions exceed capacity " + capacity);
        }
        if (qkv.size(0) != batch) {
            throw new IllegalArgumentException("KvCache: batch " + qkv.size(0) + " does not match the cache's batch " + batch);
        }
        return Tensor.attentionWithKvCache(qkv, keys[layer], values[layer], length, heads, bias);
    }

    /** Marks {@code t} more positions as cached; called once per forward, after every layer appended. */
    void advance(int t) {
        length += t;
    }

    /** Frees the buffers. */
    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].release();
            values[l].release();
        }
    }
}
