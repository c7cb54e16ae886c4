package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./rlhf4j bench reference}: the memory-versus-speed trade-off of each reference strategy, measured on a
 * randomly initialised float32 GPT-2 policy against the frozen float32 copy in the same run. Per strategy:
 * <ul>
 *   <li>{@code reference.<s>.held_mb}: the bytes the strategy holds beyond the policy at its peak, counted by the
 *       strategy itself ({@link ReferenceModel#heldBytes}: parameters, read buffers, caches), in MiB;</li>
 *   <li>{@code reference.<s>.rss_delta_mb}: peak resident memory of the policy's pass and the reference pass
 *       together minus that of the policy's pass alone, measured in a child JVM per strategy ({@link
 *       ReferenceMemoryProbe}), in MiB: the same question asked of the process rather than of the strategy, with
 *       the noise of a JVM (some tens of MiB);</li>
 *   <li>{@code reference.<s>.pass_ms}: one reference pass over the batch (B, T), best of {@code repeats} rounds that
 *       visit every strategy in turn, so a drifting machine slows all alike. {@code periodic4} is the mean over a
 *       whole period (one fresh pass, three reused).</li>
 * </ul>
 * Besides: {@code reference.precomputed.build_ms}, the one-off cost of the cache (a live pass over the dataset and
 * writing the file), and {@code reference.synchronized.sync_ms}, one TR-DPO mix of the weights, each against the
 * frozen pass. The LoRA-disabled strategy needs a LoRA policy and is not measured here: it holds nothing, and its
 * pass is the policy's own.
 */
public final class ReferenceBenchmark {
    private static final double MIB = 1 << 20;

    private ReferenceBenchmark() {
    }

    public static void run(PrintStream out, String preset, int batch, int seq, int repeats, boolean probeMemory) {
        Path dir = temporaryDirectory();
        ReferenceStrategies setting = new ReferenceStrategies(preset, batch, seq, dir);
        Map<String, ReferenceModel> refs = new LinkedHashMap<>();
        Map<String, Double> best = new LinkedHashMap<>();
        double buildMs = Double.NaN;
        try {
            for (String name : ReferenceStrategies.NAMES) {
                long t0 = System.nanoTime();
                refs.put(name, setting.create(name));
                if (name.equals("precomputed")) {
                    buildMs = (System.nanoTime() - t0) / 1e6;
                }
                setting.run(name, refs.get(name));                                // warm-up
                best.put(name, Double.MAX_VALUE);
            }
            for (int round = 0; round < Math.max(1, repeats); round++) {
                for (String name : ReferenceStrategies.NAMES) {
                    long t0 = System.nanoTime();
                    setting.run(name, refs.get(name));
                    double ms = (System.nanoTime() - t0) / 1e6 / ReferenceStrategies.callsPerUnit(name);
                    best.merge(name, ms, Math::min);
                }
            }
            double syncMs = Double.MAX_VALUE;
            SynchronizedReference sync = (SynchronizedReference) refs.get("synchronized");
            for (int round = 0; round < Math.max(1, repeats); round++) {
                long t0 = System.nanoTime();
                sync.synchronize(setting.policy);
                syncMs = Math.min(syncMs, (System.nanoTime() - t0) / 1e6);
            }
            Map<String, Double> rss = new LinkedHashMap<>();
            for (String name : ReferenceStrategies.NAMES) {
                rss.put(name, probeMemory ? ReferenceMemoryProbe.measure(preset, batch, seq, name, dir) : Double.NaN);
            }
            print(out, refs, best, rss);
            double frozenMs = best.get("frozen");
            BenchLine.against("reference.precomputed.build_ms", buildMs, "ms", frozenMs).print(out);
            BenchLine.against("reference.synchronized.sync_ms", syncMs, "ms", frozenMs).print(out);
        } finally {
            refs.values().forEach(ReferenceModel::close);
            setting.policy.release();
            deleteRecursively(dir);
        }
    }

    private static void print(PrintStream out, Map<String, ReferenceModel> refs, Map<String, Double> best, Map<String, Double> rss) {
        double frozenHeld = refs.get("frozen").heldBytes() / MIB;
        double frozenRss = rss.get("frozen") / MIB;
        double frozenMs = best.get("frozen");
        for (String name : ReferenceStrategies.NAMES) {
            String prefix = "reference." + name;
            BenchLine.against(prefix + ".held_mb", refs.get(name).heldBytes() / MIB, "MB", frozenHeld).print(out);
            if (!rss.get(name).isNaN()) {
                BenchLine.against(prefix + ".rss_delta_mb", rss.get(name) / MIB, "MB", frozenRss).print(out);
            }
            BenchLine.against(prefix + ".pass_ms", best.get(name), "ms", frozenMs).print(out);
        }
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("rlhf4j-bench-reference");
        } catch (IOException e) {
            throw new UncheckedIOException("bench reference: cannot create a temporary directory: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}
