package dev.rlhf4j.nn.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** One JSON line of a benchmark: {@code {"bench", "value", "unit", "baseline", "ratio"}}; NaN prints as null. */
final class BenchLine {
    private BenchLine() {
    }

    static void print(PrintStream out, String bench, double value, String unit, double baseline, double ratio) {
        out.printf(Locale.ROOT, "{\"bench\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"baseline\": %s, \"ratio\": %s}%n",
                bench, num(value), unit, num(baseline), num(ratio));
        out.flush();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.4g", v);
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
