package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The file of {@link PrecomputedReference}: one safetensors file of three flat tensors and the key it was computed
 * under in the metadata.
 * <pre>
 *   tokens     I64 (N)        every sequence's ids, one after another
 *   offsets    I64 (S + 1)    sequence s is tokens[offsets[s] .. offsets[s+1]), offsets[0] = 0, offsets[S] = N
 *   log_probs  F32/F64 (N-S)  sequence s's n_s - 1 next-token log-probs start at offsets[s] - s
 *   __metadata__: format, weights_sha256, data_sha256, tokenizer_sha256, temperature, content_sha256 (of the three tensors)
 * </pre>
 * Reading checks the structure (the safetensors reader's checks), the layout above and the content hash, so a
 * truncated or altered file is refused with a {@link CheckpointException} that names it.
 *
 * @param key      what the log-probs were computed from
 * @param tokens   (N) int64
 * @param offsets  (S + 1)
 * @param logProbs (N - S) float32 or float64, owned by the caller once read
 */
record ReferenceCache(PrecomputedReference.Key key, int[] tokens, long[] offsets, Tensor logProbs) {
    static final String FORMAT = "rlhf4j.reference_log_probs.v1";

    /** Number of sequences S. */
    int sequences() {
        return offsets.length - 1;
    }

    void write(Path file) {
        Map<String, Tensor> tensors = tensors();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("weights_sha256", key.weights());
        meta.put("data_sha256", key.data());
        meta.put("tokenizer_sha256", key.tokenizer());
        meta.put("temperature", Double.toString(key.temperature()));
        meta.put("content_sha256", ContentHash.ofWeights(tensors));
        SafetensorsWriter.write(file, tensors, meta);
        tensors.get("tokens").release();
        tensors.get("offsets").release();
    }

    private Map<String, Tensor> tensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("tokens", Tensor.ofInts(tokens, tokens.length));
        t.put("offsets", Tensor.ofLongs(offsets, offsets.length));
        t.put("log_probs", logProbs);
        return t;
    }

    /** Reads and checks {@code file}; the error of a bad file names it and what is wrong. */
    static ReferenceCache read(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            Map<String, String> meta = reader.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw bad(file, "format '" + meta.get("format") + "', expected '" + FORMAT + "'");
            }
            for (String name : new String[] {"tokens", "offsets", "log_probs"}) {
                if (!reader.contains(name)) {
                    throw bad(file, "no tensor '" + name + "'");
                }
            }
            Map<String, Tensor> read = reader.readAll();
            String content = ContentHash.ofWeights(read);
            if (!content.equals(meta.get("content_sha256"))) {
                read.values().forEach(Tensor::release);
                throw bad(file, "content SHA-256 " + content + " differs from the recorded " + meta.get("content_sha256")
                        + " (the file was altered or damaged)");
            }
            int[] tokens = read.get("tokens").toIntArray();
            long[] offsets = read.get("offsets").toLongArray();
            Tensor logProbs = read.get("log_probs");
            read.get("tokens").release();
            read.get("offsets").release();
            checkLayout(file, tokens, offsets, logProbs);
            var key = new PrecomputedReference.Key(meta.get("weights_sha256"), meta.get("data_sha256"), meta.get("tokenizer_sha256"),
                    temperature(file, meta.get("temperature"), logProbs));
            return new ReferenceCache(key, tokens, offsets, logProbs);
        }
    }

    private static void checkLayout(Path file, int[] tokens, long[] offsets, Tensor logProbs) {
        if (offsets.length < 1 || offsets[0] != 0 || offsets[offsets.length - 1] != tokens.length) {
            logProbs.release();
            throw bad(file, "offsets must run from 0 to the " + tokens.length + " tokens, got " + summary(offsets));
        }
        for (int s = 0; s + 1 < offsets.length; s++) {
            if (offsets[s + 1] - offsets[s] < 2) {
                logProbs.release();
                throw bad(file, "sequence " + s + " has " + (offsets[s + 1] - offsets[s]) + " tokens (offsets must grow by at least 2)");
            }
        }
        long want = tokens.length - (offsets.length - 1);
        if (logProbs.rank() != 1 || logProbs.size(0) != want || !(logProbs.dtype() == DType.FLOAT32 || logProbs.dtype() == DType.FLOAT64)) {
            logProbs.release();
            throw bad(file, "log_probs must be F32 or F64 (" + want + "), got " + logProbs.dtype().safetensorsName()
                    + Arrays.toString(logProbs.shape()));
        }
    }

    /** The recorded temperature; a file without one was written before caches recorded it, at temperature 1. */
    private static double temperature(Path file, String recorded, Tensor logProbs) {
        if (recorded == null) {
            return 1.0;
        }
        try {
            double t = Double.parseDouble(recorded);
            if (t > 0 && !Double.isInfinite(t)) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        logProbs.release();
        throw bad(file, "temperature '" + recorded + "' is not a positive number");
    }

    private static String summary(long[] a) {
        return a.length <= 6 ? Arrays.toString(a) : "[" + a[0] + ", " + a[1] + ", ..., " + a[a.length - 1] + "] (" + a.length + ")";
    }

    private static CheckpointException bad(Path file, String what) {
        return new CheckpointException(file + ": not a usable reference log-prob cache: " + what);
    }
}
