package dev.rlhf4j.tokenizer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Single-threaded encoding throughput of rlhf4j's GPT-2 tokenizer against a baseline encoder run in the same
 * JVM on the same text (the CLI passes jtokkit's r50k_base {@code encodeOrdinary}; this module has jtokkit only
 * as a test dependency, hence the function parameter). Prints one JSON line:
 *
 * <pre>{"bench": "tokenizer.encode_mb_per_s", "value": 41.2, "unit": "MB/s", "baseline": 12.3, "ratio": 3.35}</pre>
 *
 * <p>MB is 10^6 bytes of UTF-8 input. The text is {@link SyntheticCorpus} (English, code, accented Latin,
 * CJK, emoji), encoded document by document. Both encoders must produce identical ids on every document
 * before anything is timed, so the two figures measure the same work. Each encoder is warmed up, then timed
 * over several alternating rounds; the median round counts.
 */
public final class TokenizerBenchmark {

    /** Size of the benchmark text when none is given: 4 MB of UTF-8. */
    public static final int DEFAULT_BYTES = 4_000_000;

    private static final long SEED = 20240601L;
    private static final int WARMUP_ROUNDS = 3;
    private static final int TIMED_ROUNDS = 5;

    private TokenizerBenchmark() {
    }

    /** Runs on {@link #DEFAULT_BYTES} of text. */
    public static void run(PrintStream out, Function<String, int[]> baselineEncoder, String baselineName) {
        run(out, baselineEncoder, baselineName, DEFAULT_BYTES);
    }

    /**
     * Runs on {@code utf8Bytes} bytes of text and prints the JSON line to {@code out}.
     *
     * @throws IllegalStateException if the baseline's ids differ from rlhf4j's on some document
     */
    public static void run(PrintStream out, Function<String, int[]> baselineEncoder, String baselineName,
            int utf8Bytes) {
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.gpt2();
        List<String> documents = SyntheticCorpus.documents(SEED, utf8Bytes);
        long bytes = documents.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
        for (int d = 0; d < documents.size(); d++) {
            int[] ours = tokenizer.encode(documents.get(d));
            int[] theirs = baselineEncoder.apply(documents.get(d));
            if (!Arrays.equals(ours, theirs)) {
                throw new IllegalStateException(baselineName + " and rlhf4j encode benchmark document " + d
                        + " differently (" + theirs.length + " vs " + ours.length + " ids); timings would not compare");
            }
        }
        Function<String, int[]> ours = tokenizer::encode;
        for (int round = 0; round < WARMUP_ROUNDS; round++) {
            time(ours, documents);
            time(baselineEncoder, documents);
        }
        double[] ourSeconds = new double[TIMED_ROUNDS];
        double[] baselineSeconds = new double[TIMED_ROUNDS];
        for (int round = 0; round < TIMED_ROUNDS; round++) {
            ourSeconds[round] = time(ours, documents);
            baselineSeconds[round] = time(baselineEncoder, documents);
        }
        double value = bytes / 1e6 / median(ourSeconds);
        double baseline = bytes / 1e6 / median(baselineSeconds);
        out.println(String.format(Locale.ROOT,
                "{\"bench\": \"tokenizer.encode_mb_per_s\", \"value\": %.3f, \"unit\": \"MB/s\", \"baseline\": %.3f, "
                        + "\"ratio\": %.3f}", value, baseline, value / baseline));
    }

    private static double time(Function<String, int[]> encoder, List<String> documents) {
        long sink = 0;
        long start = System.nanoTime();
        for (String document : documents) {
            sink += encoder.apply(document).length;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sink < 0) {
            throw new AssertionError("unreachable: keeps the encodings from being optimised away");
        }
        return seconds;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
