package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.demo.DemoPipeline;
import dev.rlhf4j.rlhf.demo.DemoReport;
import dev.rlhf4j.rlhf.demo.DemoSettings;
import dev.rlhf4j.rlhf.demo.DemoSummary;
import dev.rlhf4j.rlhf.demo.SummaryTable;
import dev.rlhf4j.rlhf.run.Progress;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j demo}: the whole RLHF story on two cores in a few minutes ({@link DemoPipeline}). A small GPT-2
 * learns to write reviews (SFT); a hidden gold reward labels pairs of its completions; a reward model learns from
 * the pairs; PPO, GRPO and RLOO optimise the reward model's score and DPO the pairs directly; an evaluation compares
 * the five policies by the gold reward the learners never saw. The report (summary.json, report.md, PNG plots) lands in the
 * run folder. The exit code is 0 when PPO and DPO both beat SFT and the reward model reaches {@link #MIN_RM_ACCURACY}
 * (the acceptance; GRPO's and RLOO's verdicts are reported beside), 3 otherwise (1 and 2 are picocli's error
 * and usage codes); always 0 with
 * {@code --quick}, whose toy sizes are too small to learn anything.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The embedded demo: corpus and BPE, SFT, preference pairs from a hidden gold reward, a reward model,",
            "PPO, DPO, GRPO and RLOO, and a report comparing them by the gold reward (summary.json, report.md, plots)."})
public final class DemoCommand implements Callable<Integer> {
    /** The reward model's held-out accuracy the demo's verdict asks for. */
    public static final double MIN_RM_ACCURACY = 0.8;
    private static final int SAMPLE_ROWS = 8;

    @Option(names = "--seed", defaultValue = "1", description = "seed of every random choice (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--quick", description = "toy sizes: the whole pipeline in seconds (its figures mean nothing)")
    boolean quick;

    @Option(names = "--out", description = "run folder for the report (default runs/demo-<timestamp>/)")
    Path out;

    @Option(names = "--quiet", description = "no progress bars")
    boolean quiet;

    @Override
    public Integer call() {
        DemoSettings settings = quick ? DemoSettings.quick() : DemoSettings.full();
        Path dir = out != null ? out
                : Path.of("runs", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        System.out.printf(Locale.ROOT, "rlhf4j demo%s, seed %d: SFT -> preference pairs -> reward model -> PPO, DPO, GRPO, RLOO -> report%n",
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
                System.out.printf(Locale.ROOT, "%s (%.0f s)%n", line, (now - since) / 1e9);
                since = now;
            }
        };
        DemoPipeline.Outcome outcome = new DemoPipeline(settings, seed, console).run();
        DemoSummary summary = outcome.summary();
        DemoReport.Written written = DemoReport.write(dir, summary, outcome.curves(), outcome.stages(), SAMPLE_ROWS);
        System.out.println();
        System.out.print(SummaryTable.text(summary));
        boolean accepted = summary.accepted(MIN_RM_ACCURACY);
        for (DemoSummary.StageSummary s : summary.stages()) {
            if (!s.isSft()) {
                System.out.printf(Locale.ROOT, "%s %s SFT (gain %+.2f sd, needs >= %.1f; p %.2g, needs < %s; KL %.2f, needs <= %.1f"
                                + " nats)%s%n",
                        s.stage().toUpperCase(Locale.ROOT), s.beatsSft(summary.klBound()) ? "beats" : "does not beat",
                        s.gainInSftSd(), DemoSummary.MIN_GAIN_IN_SFT_SD, s.pValueVsSft(), DemoSummary.MAX_P_VALUE,
                        s.klToReference(), summary.klBound(), DemoSummary.GATED.contains(s.stage()) ? "" : "; not part of the verdict");
            }
        }
        System.out.printf(Locale.ROOT, "%.0f s. Report: %s%n", summary.seconds(), written.reportMd().toAbsolutePath().normalize());
        return accepted || quick ? 0 : 3;
    }
}
