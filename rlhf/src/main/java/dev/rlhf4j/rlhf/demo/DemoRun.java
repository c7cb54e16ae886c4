package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.rlhf.run.Progress;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The demo as {@code ./rlhf4j demo} shows it: a header line, each stage's result with its seconds, the report written
 * to the run folder, the summary table and one verdict line per learner against SFT.
 */
public final class DemoRun {
    /** The reward model's held-out accuracy the demo's verdict asks for. */
    public static final double MIN_RM_ACCURACY = 0.8;
    private static final int SAMPLE_ROWS = 8;

    private DemoRun() {
    }

    /** The default run folder, {@code runs/demo-<timestamp>/}. */
    public static Path defaultFolder() {
        return Path.of("runs", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /**
     * Runs the pipeline, writes the report to {@code dir} ({@link #defaultFolder()} when null) and prints to
     * {@code out}; whether the demo is accepted ({@link DemoSummary#accepted} at {@link #MIN_RM_ACCURACY}).
     */
    public static boolean run(boolean quick, long seed, Path dir, boolean quiet, PrintStream out) {
        DemoSettings settings = quick ? DemoSettings.quick() : DemoSettings.full();
        Path folder = dir != null ? dir : defaultFolder();
        out.printf(Locale.ROOT, "rlhf4j demo%s, seed %d: SFT -> preference pairs -> reward model -> PPO, DPO, GRPO, RLOO -> report%n",
                quick ? " (quick: toy sizes)" : "", seed);
        DemoPipeline.Console console = new DemoPipeline.Console() {
            private long since = System.nanoTime();

            @Override
            public Progress progress(String stage, long steps) {
                return Progress.open(stage, steps, quiet);
            }

            @Override
            public void result(String line) {
                long now = System.nanoTime();
                out.printf(Locale.ROOT, "%s (%.0f s)%n", line, (now - since) / 1e9);
                since = now;
            }
        };
        DemoPipeline.Outcome outcome = new DemoPipeline(settings, seed, console).run();
        DemoSummary summary = outcome.summary();
        DemoReport.Written written = DemoReport.write(folder, summary, outcome.curves(), outcome.stages(), SAMPLE_ROWS);
        out.println();
        out.print(SummaryTable.text(summary));
        boolean accepted = summary.accepted(MIN_RM_ACCURACY);
        for (DemoSummary.StageSummary s : summary.stages()) {
            if (!s.isSft()) {
                out.printf(Locale.ROOT, "%s %s SFT (gain %+.2f sd, needs >= %.1f; p %.2g, needs < %s; KL %.2f, needs <= %.1f"
                                + " nats)%s%n",
                        s.stage().toUpperCase(Locale.ROOT), s.beatsSft(summary.klBound()) ? "beats" : "does not beat",
                        s.gainInSftSd(), DemoSummary.MIN_GAIN_IN_SFT_SD, s.pValueVsSft(), DemoSummary.MAX_P_VALUE,
                        s.klToReference(), summary.klBound(), DemoSummary.GATED.contains(s.stage()) ? "" : "; not part of the verdict");
            }
        }
        out.printf(Locale.ROOT, "%.0f s. Report: %s%n", summary.seconds(), written.reportMd().toAbsolutePath().normalize());
        return accepted;
    }
}
