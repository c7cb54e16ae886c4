package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The reference log-probs of a whole dataset, computed once before training and cached in a file beside the run
 * (TRL's {@code precompute_ref_log_probs}): no reference model is in memory while training, only the cache.
 *
 * <p>The cache is keyed by content: the SHA-256 of the reference's weights, of the dataset's token ids and of the
 * tokenizer's files, and the temperature the logits were divided by (PPO's sampling temperature; 1 for DPO). {@link #prepare} loads the file when all three match, and otherwise computes the log-probs
 * again with a live reference and rewrites it, so a changed model, dataset or tokenizer never reuses stale values;
 * a truncated or altered file is rebuilt too, and {@link #reason} says why. {@link #load} never computes: it refuses
 * a missing, stale or damaged file with an error naming it.
 *
 * <p>Lookup is by each row's real tokens, so batches may be shuffled, re-padded (left or right) and regrouped:
 * a row gets the log-probs of its sequence at its columns. Values equal the live reference's exactly when the live
 * pass runs on the batches the cache was computed with ({@code batchSize} sequences at a time, right-padded);
 * regrouped, they differ from a live pass by its own float rounding. A sequence that occurs twice keeps the values of
 * its first occurrence.
 */
public final class PrecomputedReference implements ReferenceModel {
    /** The conventional name of the cache file inside a run's directory. */
    public static final String FILE_NAME = "reference_log_probs.safetensors";

    /** What the cached log-probs depend on: three SHA-256 from {@link ContentHash} and the temperature (> 0). */
    public record Key(String weights, String data, String tokenizer, double temperature) {
        public Key {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("PrecomputedReference.Key: temperature must be positive and finite, got " + temperature);
            }
        }

        /** A key at temperature 1. */
        public Key(String weights, String data, String tokenizer) {
            this(weights, data, tokenizer, 1.0);
        }

        /** The key of {@code dataset} scored by a reference with {@code weights}, tokenised by files hashed as {@code tokenizer}. */
        public static Key of(Map<String, Tensor> weights, List<int[]> dataset, String tokenizer) {
            return of(weights, dataset, tokenizer, 1.0);
        }

        /** As {@link #of(Map, List, String)}, the logits divided by {@code temperature}. */
        public static Key of(Map<String, Tensor> weights, List<int[]> dataset, String tokenizer, double temperature) {
            return new Key(ContentHash.ofWeights(weights), ContentHash.ofSequences(dataset), tokenizer, temperature);
        }
    }

    /** How {@link #prepare} came by the cache. */
    public enum Origin { LOADED, BUILT, REBUILT }

    private final ReferenceCache cache;
    private final Map<Sequence, Integer> index;
    private final Origin origin;
    private final String reason;
    private final FrozenCheck check;

    private PrecomputedReference(ReferenceCache cache, Origin origin, String reason) {
        this.cache = cache;
        this.origin = origin;
        this.reason = reason;
        this.index = new HashMap<>();
        for (int s = cache.sequences() - 1; s >= 0; s--) {
            index.put(new Sequence(Arrays.copyOfRange(cache.tokens(), (int) cache.offsets()[s], (int) cache.offsets()[s + 1])), s);
        }
        this.check = FrozenCheck.seal("PrecomputedReference", Map.of("log_probs", cache.logProbs())::forEach);
    }

    /**
     * The cache in {@code file} if it was computed under {@code key}; otherwise computes every sequence of
     * {@code dataset} with {@code live} ({@code batchSize} at a time, right-padded with {@code padId}), writes the file
     * and closes the live reference. Call outside any {@link Arena}: the cache outlives them.
     *
     * @param key  {@link Key#of} the reference's weights, this {@code dataset} and the tokenizer
     * @param live makes the reference model; called only when the cache must be (re)built
     */
    public static PrecomputedReference prepare(Path file, Key key, List<int[]> dataset, int batchSize, int padId,
                                               Supplier<ReferenceModel> live) {
        requireNoArena();
        String data = ContentHash.ofSequences(dataset);
        if (!data.equals(key.data())) {
            throw new IllegalArgumentException("PrecomputedReference: the key's data hash " + key.data() + " is not this dataset's " + data);
        }
        if (!Files.exists(file)) {
            return build(file, key, dataset, batchSize, padId, live, Origin.BUILT, file + ": no cache yet");
        }
        String why;
        try {
            ReferenceCache found = ReferenceCache.read(file);
            if (found.key().equals(key)) {
                return new PrecomputedReference(found, Origin.LOADED, file + ": key matches");
            }
            found.logProbs().release();
            why = file + ": stale, " + changes(found.key(), key);
        } catch (CheckpointException e) {
            why = e.getMessage();
        }
        return build(file, key, dataset, batchSize, padId, live, Origin.REBUILT, why);
    }

    /** The cache in {@code file}, which must exist, be intact and have been computed under {@code key}. */
    public static PrecomputedReference load(Path file, Key key) {
        requireNoArena();
        if (!Files.exists(file)) {
            throw new CheckpointException(file + ": no reference log-prob cache (run prepare first)");
        }
        ReferenceCache found = ReferenceCache.read(file);
        if (!found.key().equals(key)) {
            found.logProbs().release();
            throw new CheckpointException(file + ": stale reference log-prob cache, " + changes(found.key(), key));
        }
        return new PrecomputedReference(found, Origin.LOADED, file + ": key matches");
    }

    private static PrecomputedReference build(Path file, Key key, List<int[]> dataset, int batchSize, int padId,
                                              Supplier<ReferenceModel> live, Origin origin, String reason) {
        if (batchSize < 1 || dataset.isEmpty()) {
            throw new IllegalArgumentException("PrecomputedReference: need a batch size >= 1 and sequences, got " + batchSize
                    + " and " + dataset.size());
        }
        long[] offsets = new long[dataset.size() + 1];
        for (int s = 0; s < dataset.size(); s++) {
            if (dataset.get(s).length < 2) {
                throw new IllegalArgumentException("PrecomputedReference: sequence " + s + " has " + dataset.get(s).length
                        + " tokens; a next-token log-prob needs at least 2");
            }
            offsets[s + 1] = offsets[s] + dataset.get(s).length;
        }
        int[] tokens = new int[(int) offsets[dataset.size()]];
        double[] values = new double[tokens.length - dataset.size()];
        DType type = null;
        try (ReferenceModel reference = live.get()) {
            for (int from = 0; from < dataset.size(); from += batchSize) {
                List<int[]> chunk = dataset.subList(from, Math.min(from + batchSize, dataset.size()));
                type = scoreChunk(reference, chunk, padId, from, offsets, tokens, values, key.temperature());
            }
        }
        ReferenceCache cache = new ReferenceCache(key, tokens, offsets, Tensor.of(values, type, values.length));
        cache.write(file);
        return new PrecomputedReference(cache, origin, reason);
    }

    /** Scores one right-padded batch: every real next token; copies ids and log-probs into the flat arrays. */
    private static DType scoreChunk(ReferenceModel reference, List<int[]> chunk, int padId, int first, long[] offsets,
                                    int[] tokens, double[] values, double temperature) {
        PaddedBatch batch = PaddedBatch.rightPadded(chunk, padId);
        int t = batch.length();
        double[] mask = new double[chunk.size() * (t - 1)];                                   // (B, T-1)
        for (int r = 0; r < chunk.size(); r++) {
            Arrays.fill(mask, r * (t - 1), r * (t - 1) + chunk.get(r).length - 1, 1.0);
        }
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor lp = reference.logProbs(batch, Tensor.of(mask, DType.FLOAT32, chunk.size(), t - 1), temperature).logProbs();  // (B, T-1)
            double[] v = lp.toDoubleArray();
            for (int r = 0; r < chunk.size(); r++) {
                int s = first + r;
                int n = chunk.get(r).length;
                System.arraycopy(chunk.get(r), 0, tokens, (int) offsets[s], n);
                System.arraycopy(v, r * (t - 1), values, (int) offsets[s] - s, n - 1);
            }
            return lp.dtype();
        }
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return logProbs(batch, completionMask, 1.0);
    }

    /** The cached log-probs; {@code temperature} must be the one the cache was computed at. */
    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        if (temperature != cache.key().temperature()) {
            throw new IllegalArgumentException("PrecomputedReference: the cache holds log-probs at temperature " + cache.key().temperature()
                    + ", asked for " + temperature + " (prepare a cache keyed on that temperature)");
        }
        LogitsModel.checkMask(batch, completionMask);
        int b = batch.batchSize();
        int w = batch.length() - 1;
        double[] mask = completionMask.toDoubleArray();
        double[] out = new double[b * w];                                                     // (B, T-1)
        for (int r = 0; r < b; r++) {
            int[] row = batch.tokens(r);
            Integer s = index.get(new Sequence(row));
            if (s == null) {
                throw new IllegalArgumentException("PrecomputedReference: row " + r + " (" + row.length + " tokens) is not a sequence"
                        + " of the precomputed dataset");
            }
            int start = firstReal(batch, r, row.length);
            int from = (int) cache.offsets()[s] - s;
            try (NoGrad ng = NoGrad.enter(); Arena a = Arena.open()) {
                double[] v = cache.logProbs().narrow(0, from, row.length - 1).toDoubleArray();
                System.arraycopy(v, 0, out, r * w + start, v.length);
            }
            for (int c = 0; c < w; c++) {
                if (mask[r * w + c] != 0 && (c < start || c >= start + row.length - 1)) {
                    throw new IllegalArgumentException("PrecomputedReference: the completion mask selects column " + c + " of row " + r
                            + ", which does not predict a real token");
                }
            }
        }
        return new TokenLogProbs(Tensor.of(out, cache.logProbs().dtype(), b, w), completionMask);
    }

    /** The first real column of row r, whose {@code n} real tokens must be contiguous. */
    private static int firstReal(PaddedBatch batch, int r, int n) {
        int start = 0;
        while (batch.mask(r, start) == 0) {
            start++;
        }
        for (int j = 0; j < n; j++) {
            if (batch.mask(r, start + j) == 0) {
                throw new IllegalArgumentException("PrecomputedReference: row " + r + " has a pad between real tokens");
            }
        }
        return start;
    }

    private static String changes(Key had, Key want) {
        List<String> changed = new ArrayList<>();
        if (!had.weights().equals(want.weights())) {
            changed.add("the model weights changed");
        }
        if (!had.data().equals(want.data())) {
            changed.add("the data changed");
        }
        if (!had.tokenizer().equals(want.tokenizer())) {
            changed.add("the tokenizer changed");
        }
        if (Double.compare(had.temperature(), want.temperature()) != 0) {
            changed.add("the temperature changed (" + had.temperature() + " -> " + want.temperature() + ")");
        }
        return String.join(", ", changed);
    }

    private static void requireNoArena() {
        if (Arena.isOpen()) {
            throw new IllegalStateException("PrecomputedReference: create it outside any Arena, which would free the cache when it closes");
        }
    }

    /** How the cache was obtained: loaded, built (no file), or rebuilt (stale or damaged file). */
    public Origin origin() {
        return origin;
    }

    /** Why: "key matches", "no cache yet", which key part changed, or what was wrong with the file (naming it). */
    public String reason() {
        return reason;
    }

    /** Number of cached sequences. */
    public int sequences() {
        return cache.sequences();
    }

    /** No reference on an executor: the driver looks up each shard's rows in the cache and sends their log-probs along. */
    @Override
    public ReferenceRecipe recipe() {
        return (policy, lora) -> null;
    }

    @Override
    public void verifyFrozen() {
        check.verify(Map.of("log_probs", cache.logProbs())::forEach);
    }

    /** The cached ids (4 bytes each), offsets (8) and log-probs in their type; not the lookup table's own overhead. */
    @Override
    public long heldBytes() {
        Tensor lp = cache.logProbs();
        return 4L * cache.tokens().length + 8L * cache.offsets().length + lp.numel() * lp.dtype().bytes();
    }

    @Override
    public void close() {
        cache.logProbs().release();
    }

    /** A sequence of ids as a hash key. */
    private record Sequence(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Sequence s && Arrays.equals(ids, s.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }
}
