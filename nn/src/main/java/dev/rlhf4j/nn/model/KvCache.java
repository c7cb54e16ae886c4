package dev.rlhf4j.nn.model;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;

/**
 * Keys and values of every layer for the positions seen so far, so that decoding one more token costs one
 * position's work instead of a full recomputation. Buffers are preallocated to {@code capacity} positions
 * and belong to the arena open at creation (if any), so create the cache outside the per-token arenas; each
 * step writes its keys and values into them in place. {@link #close()} frees them early. The cache is for
 * inference: writing into it records no graph, so no gradient flows through cached keys and values.
 *
 * <p>Legend: B batch, nkv key/value heads, hs head size, L = length() cached positions.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;                 // per layer (B, nkv, capacity, hs)
    private final Tensor[] values;               // per layer (B, nkv, capacity, hs)
    private final int batch;
    private final int capacity;
    private int length;

    /** An empty cache for {@code config}'s layers and key/value heads; {@code capacity} at most its context length. */
    public KvCache(ModelConfig config, int batch, int capacity, DType type) {
        if (capacity > config.maxPositions()) {
            throw new IllegalArgumentException("KvCache: capacity " + capacity + " exceeds the context length " + config.maxPositions());
        }
        this.batch = batch;
        this.capacity = capacity;
        this.keys = new Tensor[config.numLayers()];
        this.values = new Tensor[config.numLayers()];
        for (int l = 0; l < config.numLayers(); l++) {
            keys[l] = Tensor.zeros(type, batch, config.numKeyValueHeads(), capacity, config.headDim());
            values[l] = Tensor.zeros(type, batch, config.numKeyValueHeads(), capacity, config.headDim());
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

    /** Layer {@code layer}'s key buffer (B, nkv, capacity, hs); positions from {@link #length()} on are free. */
    public Tensor keys(int layer) {
        return keys[layer];
    }

    /** Layer {@code layer}'s value buffer (B, nkv, capacity, hs). */
    public Tensor values(int layer) {
        return values[layer];
    }

    /** Throws unless {@code t} new positions of a batch of {@code rows} fit after the cached ones. */
    public void checkRoom(long rows, long t) {
        if (length + t > capacity) {
            throw new IllegalStateException("KvCache: " + length + " cached + " + t + " new positions exceed capacity " + capacity);
        }
        if (rows != batch) {
            throw new IllegalArgumentException("KvCache: batch " + rows + " does not match the cache's batch " + batch);
        }
    }

    /** Marks {@code t} more positions as cached; called once per forward, after every layer appended. */
    public void advance(int t) {
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
