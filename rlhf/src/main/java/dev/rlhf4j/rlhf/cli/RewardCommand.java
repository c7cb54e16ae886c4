package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.RewardAssembly;
import dev.rlhf4j.rlhf.train.RewardConfig;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j reward --model DIR --data FILE.jsonl}: trains a reward model ({@link RewardModelTrainer}, assembled by
 * {@link RewardAssembly}) on {@code {"prompt", "chosen", "rejected"}} lines from the causal LM in {@code --model} with a
 * new score head. Held-out accuracy is reported after each epoch. The model is saved as a
 * {@code GPT2ForSequenceClassification} folder in {@code <run>/model/}, ready for {@code ppo --reward-model}.
 */
@Command(name = "reward", sortOptions = false,
        description = "Train a reward model on prompt/chosen/rejected JSON lines (TRL's RewardTrainer).")
public final class RewardCommand implements Callable<Integer> {
    static final HyperParameters<RewardConfig> HYPER = new HyperParameters<>(RewardConfig.trlDefaults(), Set.of());

    @Mixin
    TrainingOptions options;

    @Option(names = "--eval-data", converter = InputPaths.File.class, paramLabel = "FILE.jsonl", description = "held-out preference pairs")
    Path evalData;

    @Option(names = "--eval-fraction", paramLabel = "X",
            description = "hold out this fraction of --data instead, drawn with --seed (default: no held-out pairs)")
    Double evalFraction;

    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

    /** The command with an option for every {@link RewardConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new RewardCommand()));
    }

    @Override
    public Integer call() {
        RewardConfig config = HYPER.resolve(spec, Map.of());
        RewardAssembly.train(options.inputs(spark), config, evalData, evalFraction);
        return 0;
    }
}
