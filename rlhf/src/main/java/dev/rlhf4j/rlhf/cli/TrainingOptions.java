package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.RunInputs;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every training command shares ({@code sft}, {@code reward}, {@code ppo}, {@code dpo}, {@code grpo},
 * {@code rloo}), as a picocli mixin; {@link #inputs} hands them to the run's assembly. {@code --seed},
 * {@code --max-steps} and {@code --num-train-epochs} are fields of every trainer's config; their defaults come from its
 * {@code trlDefaults()} ({@link HyperParameters}).
 */
final class TrainingOptions {
    @Option(names = "--model", converter = InputPaths.Directory.class, required = true, paramLabel = "DIR",
            description = "Hugging Face GPT-2 folder: config.json, model.safetensors and the tokenizer files (vocab.json + merges.txt)")
    Path model;

    @Option(names = "--data", converter = InputPaths.File.class, required = true, paramLabel = "FILE.jsonl", description = "training data as JSON lines in TRL's shape")
    Path data;

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "run folder (default: runs/<command>-<yyyyMMdd-HHmmss>/)")
    Path out;

    @Option(names = "--seed", paramLabel = "N", description = "seed of data order, dropout, sampling and initialisation (default: ${DEFAULT-VALUE})")
    Long seed;

    @Option(names = "--max-steps", paramLabel = "N", description = "optimizer steps (PPO: iterations); -1 to count them from the epochs (default: ${DEFAULT-VALUE})")
    Long maxSteps;

    @Option(names = "--num-train-epochs", paramLabel = "X", description = "passes over the data when --max-steps is -1 (default: ${DEFAULT-VALUE})")
    Double numTrainEpochs;

    @Option(names = "--quiet", description = "no progress bar, even on a terminal")
    boolean quiet;

    @Option(names = "--save-steps", paramLabel = "N", description = "checkpoint to <run>/checkpoints/step-<n>/ every N optimizer"
            + " steps (PPO: iterations) and at the end; 0: only at the end (TRL's save_steps; default: ${DEFAULT-VALUE})")
    long saveSteps;

    @Option(names = "--resume", converter = InputPaths.Directory.class, paramLabel = "RUN_DIR", description = "continue the run in RUN_DIR from its last checkpoint;"
            + " give the options it was started with")
    Path resume;

    /** The run's inputs, with the Spark master of {@code spark}. */
    RunInputs inputs(SparkOptions spark) {
        return new RunInputs(model, data, out, resume, saveSteps, quiet, spark.master());
    }
}
