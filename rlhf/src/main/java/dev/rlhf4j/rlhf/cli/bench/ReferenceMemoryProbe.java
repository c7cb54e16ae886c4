package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.rlhf.reference.ReferenceModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The resident memory one reference strategy adds beyond the policy, measured in a fresh JVM per strategy (in one
 * process, memory freed by an earlier strategy would be reused by the next one unseen). The child runs with glibc's
 * default trimming rather than the launcher's settings that keep freed memory for speed, so its resident memory
 * follows the memory in use. It builds the policy and, after collecting garbage and resetting the kernel's
 * high-water mark ({@code echo 5 > /proc/self/clear_refs}), takes the peak RSS of the policy's own pass (what
 * training holds anyway); then builds the strategy, runs a warm-up pass, and takes the peak RSS of the policy's pass
 * followed by the reference pass the same way. It prints the difference in bytes: the strategy's resident weights and
 * caches plus whatever its pass needs beyond the policy's, Java heap, off-heap tensors and mapped file pages
 * together; what building the strategy needed and freed again does not count.
 */
final class ReferenceMemoryProbe {
    /** The launcher's settings that keep freed memory in the process; the child runs with glibc's defaults. */
    private static final List<String> RETENTION = List.of("MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_");

    private ReferenceMemoryProbe() {
    }

    /** Child entry: {@code preset batch seq strategy dir}; prints the peak RSS delta in bytes, or "NaN". */
    public static void main(String[] args) {
        ReferenceStrategies setting = new ReferenceStrategies(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), Path.of(args[4]));
        setting.policyPass();
        setting.cacheKey();                                  // a run hashes the weights at start-up, not per pass
        long policyOnly = peakOf(setting::policyPass);
        try (ReferenceModel ref = setting.create(args[3])) {
            setting.run(args[3], ref);                       // warm-up: what building it needed is done and freed
            long withReference = peakOf(() -> {
                setting.policyPass();
                setting.run(args[3], ref);
            });
            System.out.println(policyOnly < 0 || withReference < 0 ? "NaN" : Long.toString((withReference - policyOnly) * 1024));
        }
    }

    /** VmHWM in kB over {@code step}, from a reset after collecting garbage; -1 where the mark cannot be reset. */
    private static long peakOf(Runnable step) {
        System.gc();
        if (!resetPeak()) {
            return -1;
        }
        step.run();
        return statusKb("VmHWM:");
    }

    /**
     * The peak RSS delta of {@code strategy} from a child JVM started like this one (same JVM options and classpath),
     * in bytes; NaN when the kernel cannot reset the high-water mark or the child fails.
     */
    static double measure(String preset, int batch, int seq, String strategy, Path dir) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ReferenceMemoryProbe.class.getName());
        command.addAll(List.of(preset, Integer.toString(batch), Integer.toString(seq), strategy, dir.toString()));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
            RETENTION.forEach(builder.environment()::remove);
            Process child = builder.start();
            String last = null;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    last = line.trim();
                }
            }
            return child.waitFor() == 0 && last != null ? Double.parseDouble(last) : Double.NaN;
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+); false where that is not possible. */
    private static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("/proc/self/status: " + e.getMessage(), e);
        }
        throw new IllegalStateException("/proc/self/status has no " + field);
    }
}
