package dev.rlhf4j.tokenizer;

/**
 * The merge table of byte-pair encoding as an open-addressing hash map from a pair of token ids
 * {@code (left, right)} to the merge's rank and the id of the merged token.
 *
 * <p>A {@code HashMap<String, Integer>} keyed by "left right" (as encoder.py does) allocates a string per
 * lookup; BPE does several lookups per byte of input, so the keys here are the two ids packed into one
 * {@code long} and the values {@code rank << 32 | mergedId} in a parallel {@code long[]}. Linear probing,
 * load factor at most 1/2. Not thread-safe while being filled; read-only afterwards.
 */
final class PairTable {

    /** Returned by {@link #get} for a pair that has no merge. */
    static final long ABSENT = -1L;

    private static final long EMPTY_KEY = -1L;

    private long[] keys;
    private long[] values;
    private int mask;
    private int size;

    PairTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        java.util.Arrays.fill(keys, EMPTY_KEY);
        mask = capacity - 1;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Packed {@code rank << 32 | mergedId} for the pair, or {@link #ABSENT}. */
    long get(int left, int right) {
        long k = key(left, right);
        int slot = hash(k) & mask;
        while (true) {
            long stored = keys[slot];
            if (stored == k) {
                return values[slot];
            }
            if (stored == EMPTY_KEY) {
                return ABSENT;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Adds the merge {@code (left, right) -> merged} with {@code rank}; returns false if the pair was present. */
    boolean putIfAbsent(int left, int right, int rank, int merged) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        long k = key(left, right);
        int slot = hash(k) & mask;
        while (keys[slot] != EMPTY_KEY) {
            if (keys[slot] == k) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = k;
        values[slot] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
        return true;
    }

    int size() {
        return size;
    }

    static int rank(long packed) {
        return (int) (packed >>> 32);
    }

    static int merged(long packed) {
        return (int) packed;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        java.util.Arrays.fill(keys, EMPTY_KEY);
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY_KEY) {
                int slot = hash(oldKeys[i]) & mask;
                while (keys[slot] != EMPTY_KEY) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }

    private static int hash(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
