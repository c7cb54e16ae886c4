package dev.rlhf4j.rlhf.run;

import dev.rlhf4j.rlhf.train.MetricsSink;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A terminal progress bar over the training steps ({@code me.tongfei:progressbar}) that shows the live figures, e.g.
 * {@code sft 40% [=====>    ] 40/100 (0:00:12 / 0:00:18) loss=2.3104 learning_rate=1.8e-05}. As a
 * {@link MetricsSink} it moves to each reported step. It is silent, writing nothing at all, when the output is not
 * a terminal ({@code System.console() == null}: piped, redirected, under a test runner) or when asked to be.
 */
public final class Progress implements MetricsSink, AutoCloseable {
    /** The figures shown when a step reports them, in this order; other metrics stay in metrics.jsonl only. */
    public static final List<String> SHOWN = List.of("loss", "objective/rlhf_reward", "objective/scores",
            "objective/kl", "rewards/margins", "rewards/accuracies", "accuracy", "learning_rate", "tokens_per_second");
    private static final int WIDTH = 120;

    private final ProgressBar bar;                             // null when quiet
    private final List<String> shown;
    private long current;

    private Progress(ProgressBar bar, List<String> shown) {
        this(bar, shown, 0);
    }

    private Progress(ProgressBar bar, List<String> shown, long from) {
        this.bar = bar;
        this.shown = List.copyOf(shown);
        this.current = from;
    }

    /**
     * A bar on standard error for {@code totalSteps} steps (0 or less: unknown), quiet when {@code quiet} is set or
     * the output is not a terminal.
     */
    public static Progress open(String task, long totalSteps, boolean quiet) {
        return open(task, totalSteps, quiet, 0);
    }

    /** As {@link #open(String, long, boolean)} for a run resumed after step {@code from}: the bar starts there. */
    public static Progress open(String task, long totalSteps, boolean quiet, long from) {
        if (quiet || System.console() == null) {
            return quiet();
        }
        return new Progress(builder(task, totalSteps).startsFrom(from, Duration.ZERO).build(), SHOWN, from);
    }

    /** A progress that writes nothing. */
    public static Progress quiet() {
        return new Progress(null, SHOWN);
    }

    /** A bar written to {@code out} whether or not it is a terminal, showing the figures named in {@code shown}. */
    public static Progress to(PrintStream out, String task, long totalSteps, List<String> shown) {
        return to(out, task, totalSteps, shown, 0);
    }

    /** As {@link #to(PrintStream, String, long, List)}, starting after step {@code from} (a resumed run). */
    public static Progress to(PrintStream out, String task, long totalSteps, List<String> shown, long from) {
        return new Progress(builder(task, totalSteps).setConsumer(new ConsoleProgressBarConsumer(out, WIDTH))
                .startsFrom(from, Duration.ZERO).build(), shown, from);
    }

    private static ProgressBarBuilder builder(String task, long totalSteps) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps > 0 ? totalSteps : -1)
                .setStyle(ProgressBarStyle.ASCII).setMaxRenderedLength(WIDTH).setUpdateIntervalMillis(250);
    }

    public boolean isQuiet() {
        return bar == null;
    }

    /** The last step reported. */
    public long current() {
        return current;
    }

    @Override
    public void onStep(long step, Map<String, Double> metrics) {
        current = step;
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(message(metrics, shown));
        }
    }

    /** The shown figures present in {@code metrics}, e.g. {@code loss=0.6931 rewards/margins=0.0125}. */
    static String message(Map<String, Double> metrics, List<String> shown) {
        StringBuilder out = new StringBuilder();
        for (String name : shown) {
            Double v = metrics.get(name);
            if (v != null) {
                out.append(out.length() == 0 ? "" : " ").append(name).append('=').append(format(v));
            }
        }
        return out.toString();
    }

    private static String format(double v) {
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.3g", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    /** Draws the final state and ends the bar's line; nothing when quiet. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
