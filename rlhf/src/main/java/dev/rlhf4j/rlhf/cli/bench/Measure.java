package dev.rlhf4j.rlhf.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What the benchmarks measure besides their own timings (those go through {@code Roofline.bestSeconds}): the
 * median of repeated figures, and the process's peak memory.
 */
final class Measure {
    private Measure() {
    }

    /** The median; for an even count, the mean of the two middle values. */
    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Peak resident memory of this process in MB (Linux VmHWM: Java heap and off-heap tensors together), NaN elsewhere. */
    static double peakResidentMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
