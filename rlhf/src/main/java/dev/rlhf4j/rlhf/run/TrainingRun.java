package dev.rlhf4j.rlhf.run;

import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One training command's run, from folder to summary, so that each command only builds its trainer:
 * <pre>{@code
 * try (TrainingRun run = TrainingRun.start(new RunSpec("dpo", out, seed, modelDir, maxSteps, false),
 *         Map.of("trainer", dpoConfig, "data", tokenized.counts()))) {
 *     trainer.train(examples, run.sink());          // metrics.jsonl + live progress bar
 *     run.saveModel(policy, tokenizer);             // <run>/model/ in Hugging Face layout
 *     System.out.println(run.finish());             // plots, then one summary line
 * }
 * }</pre>
 * {@link #start} opens the {@link RunFolder} and writes {@code config.json}; {@link #sink()} appends each step to
 * {@code metrics.jsonl} and moves the {@link Progress} bar; {@link #finish()} closes both, draws the
 * {@link MetricPlots} into {@code <run>/plots/} and returns the summary. If the trainer throws, {@link #close()}
 * still closes the files, and {@code metrics.jsonl} keeps every step reported before the failure.
 */
public final class TrainingRun implements AutoCloseable {
    public static final String MODEL = "model";
    public static final String ADAPTER = "adapter";
    public static final String PLOTS = "plots";

    private final RunSpec spec;
    private final RunFolder folder;
    private final MetricsLog metrics;
    private final Progress progress;
    private final MetricsSink sink;
    private final long startNanos = System.nanoTime();
    private final List<Path> saved = new ArrayList<>();
    private final Checkpoints.Checkpoint resumedFrom;
    private boolean closed;

    private TrainingRun(RunSpec spec, RunFolder folder, MetricsLog metrics, Progress progress, Checkpoints.Checkpoint resumedFrom) {
        this.spec = spec;
        this.resumedFrom = resumedFrom;
        this.folder = folder;
        this.metrics = metrics;
        this.progress = progress;
        this.sink = metrics.andThen(progress);
    }

    /**
     * Opens the run folder, writes {@code config.json} (command, seed, model, then {@code configSections}: see
     * {@link RunFolder#writeConfig}) and starts the progress bar on standard error (quiet off a terminal).
     */
    public static TrainingRun start(RunSpec spec, Map<String, ?> configSections) {
        return begin(spec, configSections, () -> Progress.open(spec.command(), spec.totalSteps(), spec.quiet()));
    }

    /** As {@link #start(RunSpec, Map)} with a given progress display (e.g. {@link Progress#to} in a test). */
    public static TrainingRun start(RunSpec spec, Map<String, ?> configSections, Progress progress) {
        try {
            return begin(spec, configSections, () -> progress);
        } catch (RuntimeException e) {
            progress.close();
            throw e;
        }
    }

    /** The bar starts only once the folder and its files exist, so a refused folder leaves no bar running. */
    private static TrainingRun begin(RunSpec spec, Map<String, ?> configSections, Supplier<Progress> progress) {
        RunFolder folder = RunFolder.open(spec.out(), spec.command());
        folder.writeConfig(spec.command(), spec.seed(), spec.model(), configSections);
        return new TrainingRun(spec, folder, folder.createMetricsLog(), progress.get(), null);
    }

    /**
     * Continues the run in {@code spec.out()} from its last complete checkpoint: its {@code config.json} must equal
     * what these options would write (else the first differing key is named), {@code metrics.jsonl} is cut back to the
     * lines written when that checkpoint was taken, and new steps are appended. The caller restores the model and the
     * trainer from {@link #resumedFrom()}.
     */
    public static TrainingRun resume(RunSpec spec, Map<String, ?> configSections) {
        RunFolder folder = RunFolder.existing(spec.out());
        folder.requireConfig(spec.command(), spec.seed(), spec.model(), configSections);
        Checkpoints.Checkpoint last = Checkpoints.latest(folder.dir()).orElseThrow(() -> new IllegalArgumentException("--resume "
                + folder.dir() + ": no complete checkpoint in " + folder.dir().resolve(Checkpoints.DIR) + " to resume from"));
        Checkpoints.removeTemporary(folder.dir());
        MetricsLog metrics = MetricsLog.resume(folder.metricsFile(), last.metricsLines());
        try {
            return new TrainingRun(spec, folder, metrics, Progress.open(spec.command(), spec.totalSteps(), spec.quiet(), last.step()), last);
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
    }

    /** The checkpoint a resumed run continues from; empty for a new run. */
    public java.util.Optional<Checkpoints.Checkpoint> resumedFrom() {
        return java.util.Optional.ofNullable(resumedFrom);
    }

    /**
     * Writes the checkpoint of {@code step} to {@code <run>/checkpoints/step-<step>/} through {@code writer} (see
     * {@link Checkpoints}); a failure is a one-line error naming the path, the earlier checkpoints intact.
     */
    public Path checkpoint(long step, FolderWriter writer) {
        return Checkpoints.write(folder.dir(), step, metrics.rows().size(), writer).dir();
    }

    /** Where the trainer reports: each step goes to {@code metrics.jsonl}, then to the progress bar. */
    public MetricsSink sink() {
        return sink;
    }

    public RunFolder folder() {
        return folder;
    }

    /** The steps reported so far. */
    public List<MetricsRow> rows() {
        return metrics.rows();
    }

    /** Saves the trained model and tokenizer in Hugging Face layout to {@code <run>/model/}. */
    public Path saveModel(CausalLM model, Gpt2Tokenizer tokenizer) {
        return remember(folder.saveModel(MODEL, model, tokenizer));
    }

    /** Saves a trained LoRA adapter (and the tokenizer) in PEFT layout to {@code <run>/adapter/}. */
    public Path saveAdapter(LoraModel adapter, Gpt2Tokenizer tokenizer) {
        return remember(folder.saveAdapter(ADAPTER, adapter, tokenizer));
    }

    /** Saves any other model through {@code writer} to {@code <run>/<name>/}, atomically. */
    public Path saveFolder(String name, FolderWriter writer) {
        return remember(folder.saveFolder(name, writer));
    }

    private Path remember(Path dir) {
        saved.add(dir);
        return dir;
    }

    /**
     * Closes the progress bar and {@code metrics.jsonl}, draws the plots and returns one line, e.g.
     * {@code "dpo: 50 steps in 12.4 s, last loss=0.4012 rewards/margins=0.8120; run folder runs/dpo-20260101-120000,
     * 4 plots, saved model"}.
     */
    public String finish() {
        close();
        List<MetricsRow> rows = metrics.rows();
        List<Path> plots = MetricPlots.draw(rows, folder.dir().resolve(PLOTS));
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        StringBuilder line = new StringBuilder(spec.command()).append(": ").append(rows.size())
                .append(rows.size() == 1 ? " step" : " steps").append(String.format(Locale.ROOT, " in %.1f s", seconds));
        if (!rows.isEmpty()) {
            String last = Progress.message(rows.get(rows.size() - 1).metrics(), Progress.SHOWN);
            line.append(last.isEmpty() ? "" : ", last " + last);
        }
        line.append("; run folder ").append(folder.dir()).append(", ").append(plots.size())
                .append(plots.size() == 1 ? " plot" : " plots");
        for (Path dir : saved) {
            line.append(", saved ").append(dir.getFileName());
        }
        return line.toString();
    }

    /** Closes the progress bar and {@code metrics.jsonl} without plotting; a second call does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                progress.close();
            } finally {
                metrics.close();
            }
        }
    }
}
