package dev.rlhf4j.tokenizer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Piece text to token ids, so that each distinct word is run through BPE once (encoder.py keeps the same
 * cache, unbounded). Bounded: when it reaches its capacity it is emptied and refills with what the current
 * text needs, which keeps memory flat on adversarial input at no cost on natural text. Thread-safe.
 */
final class WordCache {

    private final ConcurrentHashMap<String, int[]> map;
    private final int capacity;

    WordCache(int capacity) {
        this.capacity = capacity;
        this.map = new ConcurrentHashMap<>(Math.min(capacity, 1 << 16));
    }

    /** The cached ids of {@code piece} (shared; callers must not modify), or null. */
    int[] get(String piece) {
        return map.get(piece);
    }

    void put(String piece, int[] ids) {
        if (map.size() >= capacity) {
            map.clear();
        }
        map.put(piece, ids);
    }

    int size() {
        return map.size();
    }
}
