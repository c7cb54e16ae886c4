package dev.rlhf4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-level BPE merges from a corpus (Sennrich et al. 2016, as GPT-2 did on WebText): pre-tokenize
 * with GPT-2's {@link PreTokenizer}, count each distinct piece, start from one token per byte, and repeat
 * {@code numMerges} times: count every adjacent pair of tokens over all pieces (weighted by how often the
 * piece occurs), merge the most frequent pair everywhere, and record the merge.
 *
 * <p>Ties between equally frequent pairs go to the pair whose left token's bytes are lexicographically
 * smallest (unsigned), then the right token's; token bytes are unique, so this is a total order and the
 * result does not depend on hash order or corpus order. A pair whose merged bytes already are a token (it
 * can arise: {@code (a, bc)} after {@code (ab, c)}) is never merged, so every merge adds exactly one token and
 * encoding the corpus with the first k merges reproduces the training state after k rounds.
 *
 * <p>Ids: the 256 single bytes first, in GPT-2's byte order ({@link ByteToUnicode#byteOrder()}, so they get
 * the same ids as in GPT-2), then one token per merge in merge order, then optionally {@code <|endoftext|>}
 * as a special token. When it is added, occurrences of {@code <|endoftext|>} in the corpus separate documents
 * and are not learned from. Pair counts are updated incrementally: merging a pair only re-counts the pieces
 * that contain it.
 */
public final class BpeTrainer {

    /**
     * What training produced.
     *
     * @param tokenizer the trained tokenizer; {@link TokenizerFiles#save} writes it as vocab.json + merges.txt
     * @param merges the learned merges in rank order, with the pair count that won each round
     */
    public record Result(Gpt2Tokenizer tokenizer, List<LearnedMerge> merges) {

        public Result {
            merges = List.copyOf(merges);
        }
    }

    /**
     * One learned merge.
     *
     * @param left left token as written in vocab.json
     * @param right right token
     * @param count how often the pair occurred in the corpus when it was merged
     */
    public record LearnedMerge(String left, String right, long count) {
    }

    private BpeTrainer() {
    }

    /** Trains on one text. */
    public static Result train(String corpus, int numMerges, boolean addEndOfText) {
        return train(List.of(corpus), numMerges, addEndOfText);
    }

    /**
     * Learns up to {@code numMerges} merges (fewer if the corpus runs out of pairs) from {@code documents}.
     *
     * @param addEndOfText append {@code <|endoftext|>} as the last id, a special token
     */
    public static Result train(List<String> documents, int numMerges, boolean addEndOfText) {
        if (numMerges < 0) {
            throw new IllegalArgumentException("numMerges must be >= 0, got " + numMerges);
        }
        Map<String, long[]> pieceCounts = new LinkedHashMap<>();
        for (String document : documents) {
            String[] parts = addEndOfText ? document.split(java.util.regex.Pattern.quote(Gpt2Tokenizer.END_OF_TEXT), -1)
                    : new String[] {document};
            for (String part : parts) {
                for (String piece : PreTokenizer.split(part)) {
                    pieceCounts.computeIfAbsent(piece, p -> new long[1])[0]++;
                }
            }
        }
        List<byte[]> tokenBytes = new ArrayList<>();
        Map<String, Integer> idOfBytes = new HashMap<>();
        int[] byteOrder = ByteToUnicode.byteOrder();
        int[] idOfByte = new int[256];
        for (int id = 0; id < 256; id++) {
            byte[] single = {(byte) byteOrder[id]};
            idOfByte[byteOrder[id]] = id;
            tokenBytes.add(single);
            idOfBytes.put(key(single), id);
        }
        PairCounts counts = new PairCounts(pieceCounts, idOfByte, tokenBytes);
        List<int[]> merges = new ArrayList<>();
        List<LearnedMerge> learned = new ArrayList<>();
        while (merges.size() < numMerges) {
            PairCounts.Candidate best = counts.pollBest(pair -> idOfBytes.containsKey(key(concat(tokenBytes, pair))));
            if (best == null) {
                break;
            }
            byte[] merged = concat(tokenBytes, best.pair());
            int newId = tokenBytes.size();
            tokenBytes.add(merged);
            idOfBytes.put(key(merged), newId);
            int left = PairCounts.left(best.pair());
            int right = PairCounts.right(best.pair());
            merges.add(new int[] {left, right, newId});
            learned.add(new LearnedMerge(ByteToUnicode.symbols(tokenBytes.get(left)),
                    ByteToUnicode.symbols(tokenBytes.get(right)), best.count()));
            counts.merge(left, right, newId);
        }
        List<String> tokens = new ArrayList<>(tokenBytes.size() + 1);
        for (byte[] bytes : tokenBytes) {
            tokens.add(ByteToUnicode.symbols(bytes));
        }
        BitSet special = new BitSet();
        if (addEndOfText) {
            special.set(tokens.size());
            tokens.add(Gpt2Tokenizer.END_OF_TEXT);
        }
        return new Result(TokenizerFiles.build(tokens, special, merges), learned);
    }

    private static byte[] concat(List<byte[]> tokenBytes, long pair) {
        byte[] a = tokenBytes.get(PairCounts.left(pair));
        byte[] b = tokenBytes.get(PairCounts.right(pair));
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A map key for a byte string (ISO-8859-1 maps each byte to one char, so keys are unique per bytes). */
    private static String key(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** The pair-count bookkeeping of training: pieces as token arrays, pair counts, and a max-heap of pairs. */
    private static final class PairCounts {

        record Candidate(long pair, long count) {
        }

        private final int[][] pieces;     // (P) token ids of each distinct piece
        private final int[] lengths;      // (P) tokens in use of each piece
        private final long[] frequency;   // (P) occurrences of each piece in the corpus
        private final Map<Long, long[]> count = new HashMap<>();           // pair -> {count}
        private final Map<Long, List<Integer>> where = new HashMap<>();    // pair -> pieces that had it
        private final PriorityQueue<Candidate> heap;
        private final int[] visited;      // (P) last merge round that re-counted each piece
        private int round;

        PairCounts(Map<String, long[]> pieceCounts, int[] idOfByte, List<byte[]> tokenBytes) {
            int n = pieceCounts.size();
            pieces = new int[n][];
            lengths = new int[n];
            frequency = new long[n];
            visited = new int[n];
            heap = new PriorityQueue<>((x, y) -> {
                int byCount = Long.compare(y.count, x.count);
                if (byCount != 0) {
                    return byCount;
                }
                int byLeft = Arrays.compareUnsigned(tokenBytes.get(left(x.pair)), tokenBytes.get(left(y.pair)));
                return byLeft != 0 ? byLeft
                        : Arrays.compareUnsigned(tokenBytes.get(right(x.pair)), tokenBytes.get(right(y.pair)));
            });
            int p = 0;
            for (Map.Entry<String, long[]> entry : pieceCounts.entrySet()) {
                byte[] bytes = entry.getKey().getBytes(StandardCharsets.UTF_8);
                pieces[p] = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    pieces[p][i] = idOfByte[bytes[i] & 0xFF];
                }
                lengths[p] = bytes.length;
                frequency[p] = entry.getValue()[0];
                add(p, +1);
                p++;
            }
            count.forEach((pair, c) -> heap.add(new Candidate(pair, c[0])));
        }

        static long pair(int left, int right) {
            return ((long) left << 32) | right;
        }

        static int left(long pair) {
            return (int) (pair >>> 32);
        }

        static int right(long pair) {
            return (int) pair;
        }

        /** The most frequent pair that {@code excluded} does not reject, or null when no pair is left. */
        Candidate pollBest(java.util.function.LongPredicate excluded) {
            while (!heap.isEmpty()) {
                Candidate top = heap.poll();
                long[] current = count.get(top.pair);
                if (current[0] == top.count && top.count > 0 && !excluded.test(top.pair)) {
                    return top;
                }
            }
            return null;
        }

        /** Replaces every occurrence of (left, right) by {@code merged} and updates the counts it changes. */
        void merge(int left, int right, int merged) {
            round++;
            List<Long> touched = new ArrayList<>();
            List<Integer> candidates = where.remove(pair(left, right));
            for (int p : candidates == null ? List.<Integer>of() : candidates) {
                if (visited[p] == round) {
                    continue;
                }
                visited[p] = round;
                if (!contains(p, left, right)) {
                    continue;
                }
                touched.addAll(add(p, -1));
                int[] tokens = pieces[p];
                int n = 0;
                for (int i = 0; i < lengths[p]; i++) {
                    if (i + 1 < lengths[p] && tokens[i] == left && tokens[i + 1] == right) {
                        tokens[n++] = merged;
                        i++;
                    } else {
                        tokens[n++] = tokens[i];
                    }
                }
                lengths[p] = n;
                touched.addAll(add(p, +1));
            }
            for (long pair : new java.util.HashSet<>(touched)) {
                long c = count.get(pair)[0];
                if (c > 0) {
                    heap.add(new Candidate(pair, c));
                }
            }
        }

        private boolean contains(int p, int left, int right) {
            for (int i = 0; i + 1 < lengths[p]; i++) {
                if (pieces[p][i] == left && pieces[p][i + 1] == right) {
                    return true;
                }
            }
            return false;
        }

        /** Adds (sign +1) or removes (-1) piece p's pairs from the counts; returns the pairs it touched. */
        private List<Long> add(int p, int sign) {
            List<Long> pairs = new ArrayList<>(lengths[p]);
            for (int i = 0; i + 1 < lengths[p]; i++) {
                long pair = pair(pieces[p][i], pieces[p][i + 1]);
                count.computeIfAbsent(pair, k -> new long[1])[0] += sign * frequency[p];
                if (sign > 0) {
                    List<Integer> list = where.computeIfAbsent(pair, k -> new ArrayList<>());
                    if (list.isEmpty() || list.get(list.size() - 1) != p) {
                        list.add(p);
                    }
                }
                pairs.add(pair);
            }
            return pairs;
        }
    }
}
