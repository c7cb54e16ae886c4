package dev.rlhf4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Byte-pair encoding of one pre-tokenized piece (Sennrich et al. 2016; GPT-2's byte-level variant): start
 * from one token per byte, then repeatedly merge the adjacent pair whose merge has the lowest rank (its line in
 * merges.txt), the leftmost one on ties, until no adjacent pair has a merge.
 *
 * <p>OpenAI's encoder.py instead merges every occurrence of the lowest-ranked pair in one left-to-right pass;
 * the two orders give the same tokens whenever a merge never has a lower rank than the merges that built its
 * parts, which holds for every vocabulary a BPE trainer writes (GPT-2's included). {@link #showWork} follows
 * encoder.py literally and the tests check the two agree.
 *
 * <p>Works on int ids and a {@link PairTable}. A piece of n bytes costs O(n^2) with a linear scan for the
 * minimum, which is fastest for words; pieces longer than {@value #LONG_PIECE} bytes (long digit or
 * whitespace runs, base64 blobs) use a heap and cost O(n log n). Immutable and thread-safe.
 */
final class BytePairEncoding {

    private static final int LONG_PIECE = 128;
    private static final long NO_MERGE = Long.MAX_VALUE;

    private final Vocabulary vocabulary;
    private final PairTable table;
    private final int[] lefts;    // (M) left id of the merge of each rank
    private final int[] rights;   // (M) right id
    private final int[] results;  // (M) merged id

    /**
     * @param lefts left id of the merge of each rank (rank = index)
     * @param rights right id of each merge
     * @param results merged id of each merge
     * @throws IllegalArgumentException if a pair repeats (loaders report repeats with a file and line first)
     */
    BytePairEncoding(Vocabulary vocabulary, int[] lefts, int[] rights, int[] results) {
        this.vocabulary = vocabulary;
        this.lefts = lefts.clone();
        this.rights = rights.clone();
        this.results = results.clone();
        this.table = new PairTable(lefts.length);
        for (int rank = 0; rank < lefts.length; rank++) {
            if (!table.putIfAbsent(lefts[rank], rights[rank], rank, results[rank])) {
                throw new IllegalArgumentException("merge of rank " + rank + " repeats an earlier merge");
            }
        }
    }

    Vocabulary vocabulary() {
        return vocabulary;
    }

    int mergeCount() {
        return lefts.length;
    }

    int mergeLeft(int rank) {
        return lefts[rank];
    }

    int mergeRight(int rank) {
        return rights[rank];
    }

    int mergeResult(int rank) {
        return results[rank];
    }

    /** The ids of the piece whose UTF-8 bytes are {@code bytes[0..length)}, length >= 1. */
    int[] encode(byte[] bytes, int length) {
        int[] symbols = new int[length];
        for (int i = 0; i < length; i++) {
            symbols[i] = byteId(bytes[i] & 0xFF);
        }
        return merge(symbols, length);
    }

    /**
     * Merges the initial token ids {@code symbols[0..length)} (one per byte for byte-level BPE, one per character
     * or byte-fallback byte for SentencePiece-style BPE) and returns the final ids; may reuse {@code symbols}.
     */
    int[] merge(int[] symbols, int length) {
        if (length <= 1) {
            return length == symbols.length ? symbols : Arrays.copyOf(symbols, length);
        }
        int n = length <= LONG_PIECE ? mergeByScan(symbols, length) : mergeByHeap(symbols, length);
        return n == symbols.length ? symbols : Arrays.copyOf(symbols, n);
    }

    private int byteId(int b) {
        int id = vocabulary.byteId(b);
        if (id < 0) {
            throw new TokenizerException(String.format("byte 0x%02X (symbol '%c') has no token in the vocabulary",
                    b, ByteToUnicode.symbol(b)));
        }
        return id;
    }

    /** Merges in place; returns the number of symbols left. */
    private int mergeByScan(int[] symbols, int n) {
        long[] pair = new long[n];    // (n) rank << 32 | merged id of (symbols[i], symbols[i+1]), or NO_MERGE
        for (int i = 0; i < n - 1; i++) {
            pair[i] = lookup(symbols[i], symbols[i + 1]);
        }
        pair[n - 1] = NO_MERGE;
        while (n > 1) {
            long best = NO_MERGE;
            int at = -1;
            for (int i = 0; i < n - 1; i++) {
                if (pair[i] < best) {
                    best = pair[i];
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            symbols[at] = PairTable.merged(best);
            System.arraycopy(symbols, at + 2, symbols, at + 1, n - at - 2);
            System.arraycopy(pair, at + 2, pair, at + 1, n - at - 2);
            n--;
            pair[n - 1] = NO_MERGE;
            if (at > 0) {
                pair[at - 1] = lookup(symbols[at - 1], symbols[at]);
            }
            pair[at] = at < n - 1 ? lookup(symbols[at], symbols[at + 1]) : NO_MERGE;
        }
        return n;
    }

    private long lookup(int left, int right) {
        long packed = table.get(left, right);
        return packed == PairTable.ABSENT ? NO_MERGE : packed;
    }

    /**
     * Same merges as {@link #mergeByScan}, with a linked list of symbols and a min-heap of
     * {@code rank << 32 | position}; an entry whose pair has changed since it was pushed is skipped on pop.
     */
    private int mergeByHeap(int[] symbols, int n) {
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] dead = new boolean[n];
        long[] heap = new long[2 * n];
        int heapSize = 0;
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        for (int i = 0; i + 1 < n; i++) {
            long packed = table.get(symbols[i], symbols[i + 1]);
            if (packed != PairTable.ABSENT) {
                heap = Heap.push(heap, heapSize++, ((long) PairTable.rank(packed) << 32) | i);
            }
        }
        while (heapSize > 0) {
            long top = heap[0];
            heapSize = Heap.pop(heap, heapSize);
            int at = (int) top;
            int rank = (int) (top >>> 32);
            int right = next[at];
            if (dead[at] || right < 0) {
                continue;
            }
            long packed = table.get(symbols[at], symbols[right]);
            if (packed == PairTable.ABSENT || PairTable.rank(packed) != rank) {
                continue;
            }
            symbols[at] = PairTable.merged(packed);
            dead[right] = true;
            next[at] = next[right];
            if (next[at] >= 0) {
                prev[next[at]] = at;
                long after = table.get(symbols[at], symbols[next[at]]);
                if (after != PairTable.ABSENT) {
                    heap = Heap.push(heap, heapSize++, ((long) PairTable.rank(after) << 32) | at);
                }
            }
            if (prev[at] >= 0) {
                long before = table.get(symbols[prev[at]], symbols[at]);
                if (before != PairTable.ABSENT) {
                    heap = Heap.push(heap, heapSize++, ((long) PairTable.rank(before) << 32) | prev[at]);
                }
            }
        }
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            symbols[count++] = symbols[i];
        }
        return count;
    }

    /**
     * encoder.py's {@code bpe()} step by step on one piece: find the adjacent pair with the lowest merge rank,
     * merge all its occurrences left to right, record the step, repeat.
     */
    ShownWork.Piece showWork(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int[] initial = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            initial[i] = byteId(bytes[i] & 0xFF);
        }
        return showWork(piece, ByteToUnicode.symbols(bytes), initial);
    }

    /** {@link #showWork(String)} from given initial ids, written {@code symbols} (a SentencePiece-style piece). */
    ShownWork.Piece showWork(String piece, String symbols, int[] initial) {
        List<Integer> word = new ArrayList<>();
        for (int id : initial) {
            word.add(id);
        }
        List<ShownWork.Merge> steps = new ArrayList<>();
        while (word.size() > 1) {
            long best = NO_MERGE;
            for (int i = 0; i + 1 < word.size(); i++) {
                best = Math.min(best, lookup(word.get(i), word.get(i + 1)));
            }
            if (best == NO_MERGE) {
                break;
            }
            int rank = PairTable.rank(best);
            int first = lefts[rank];
            int second = rights[rank];
            List<Integer> merged = new ArrayList<>();
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i) == first && word.get(i + 1) == second) {
                    merged.add(results[rank]);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
            steps.add(new ShownWork.Merge(vocabulary.token(first), vocabulary.token(second), rank, tokens(word)));
        }
        int[] ids = word.stream().mapToInt(Integer::intValue).toArray();
        return new ShownWork.Piece(piece, symbols, steps, tokens(word), ids);
    }

    private List<String> tokens(List<Integer> ids) {
        List<String> out = new ArrayList<>(ids.size());
        for (int id : ids) {
            out.add(vocabulary.token(id));
        }
        return List.copyOf(out);
    }

    /** A binary min-heap of longs in an array, grown on push. */
    private static final class Heap {

        private Heap() {
        }

        static long[] push(long[] heap, int size, long value) {
            long[] h = size < heap.length ? heap : Arrays.copyOf(heap, heap.length * 2);
            int i = size;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (h[parent] <= value) {
                    break;
                }
                h[i] = h[parent];
                i = parent;
            }
            h[i] = value;
            return h;
        }

        /** Removes the minimum (at index 0); returns the new size. */
        static int pop(long[] heap, int size) {
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return size;
        }
    }
}
