package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.SftAssembly;
import dev.rlhf4j.rlhf.train.SftConfig;
import dev.rlhf4j.rlhf.train.SftTrainer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j sft --model DIR --data FILE.jsonl}: supervised fine-tuning ({@link SftTrainer}, assembled by
 * {@link SftAssembly}) on {@code {"prompt", "completion"}} lines; every field of {@link SftConfig} is an option. The
 * trained model is saved in Hugging Face layout in {@code <run>/model/}; {@code --master} distributes the gradients.
 */
@Command(name = "sft", sortOptions = false,
        description = "Supervised fine-tuning on prompt/completion JSON lines (TRL's SFTTrainer).")
public final class SftCommand implements Callable<Integer> {
    static final HyperParameters<SftConfig> HYPER = new HyperParameters<>(SftConfig.trlDefaults(), Set.of());

    @Mixin
    TrainingOptions options;

    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

    /** The command with an option for every {@link SftConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new SftCommand()));
    }

    @Override
    public Integer call() {
        SftConfig config = HYPER.resolve(spec, Map.of());
        SftAssembly.train(options.inputs(spark), config);
        return 0;
    }
}
