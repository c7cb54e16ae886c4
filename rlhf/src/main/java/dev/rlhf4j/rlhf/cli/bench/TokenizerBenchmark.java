package dev.rlhf4j.rlhf.cli.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.SyntheticCorpus;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * {@code ./rlhf4j bench tokenizer}: single-threaded encoding throughput of rlhf4j's GPT-2 tokenizer against
 * jtokkit's r50k_base {@code encodeOrdinary} (tiktoken's GPT-2 encoding in Java) run in the same JVM on the
 * same text. Prints one line, {@code tokenizer.encode_mb_per_s}.
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

    /**
     * Runs on {@code utf8Bytes} bytes of text ({@link #DEFAULT_BYTES} from the command line).
     *
     * @throws IllegalStateException if jtokkit's ids differ from rlhf4j's on some document
     */
    public static void run(PrintStream out, int utf8Bytes) {
        Encoding r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        Function<String, int[]> jtokkit = text -> r50k.encodeOrdinary(text).toArray();
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.gpt2();
        List<String> documents = SyntheticCorpus.documents(SEED, utf8Bytes);
        long bytes = documents.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
        for (int d = 0; d < documents.size(); d++) {
            int[] ours = tokenizer.encode(documents.get(d));
            int[] theirs = jtokkit.apply(documents.get(d));
            if (!Arrays.equals(ours, theirs)) {
                throw new IllegalStateException("jtokkit and rlhf4j encode benchmark document " + d
                        + " differently (" + theirs.length + " vs " + ours.length + " ids); timings would not compare");
            }
        }
        Function<String, int[]> ours = tokenizer::encode;
        for (int round = 0; round < WARMUP_ROUNDS; round++) {
            time(ours, documents);
            time(jtokkit, documents);
        }
        double[] ourSeconds = new double[TIMED_ROUNDS];
        double[] jtokkitSeconds = new double[TIMED_ROUNDS];
        for (int round = 0; round < TIMED_ROUNDS; round++) {
            ourSeconds[round] = time(ours, documents);
            jtokkitSeconds[round] = time(jtokkit, documents);
        }
        BenchLine.against("tokenizer.encode_mb_per_s", bytes / 1e6 / Measure.median(ourSeconds), "MB/s",
                bytes / 1e6 / Measure.median(jtokkitSeconds)).print(out);
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
}
