package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.CriticKind;
import dev.rlhf4j.rlhf.assembly.PpoAssembly;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
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
 * {@code ./rlhf4j ppo --model DIR --reward-model DIR --data FILE.jsonl}: RLHF with PPO ({@code PpoTrainer}) on
 * {@code {"prompt"}} lines, assembled by {@link PpoAssembly}; every field of {@link PpoTrainerConfig} is an option.
 */
@Command(name = "ppo", sortOptions = false,
        description = "RLHF with PPO on prompt-only JSON lines, scored by a reward model (TRL's PPOTrainer).")
public final class PpoCommand implements Callable<Integer> {
    static final HyperParameters<PpoTrainerConfig> HYPER = new HyperParameters<>(PpoTrainerConfig.trlDefaults(), Set.of());

    @Mixin
    TrainingOptions options;
    @Mixin
    LoraOptions lora;
    @Mixin
    SparkOptions spark;
    @Spec
    CommandSpec spec;

    @Option(names = "--reward-model", converter = InputPaths.Directory.class, required = true, paramLabel = "DIR",
            description = "the reward model: a GPT2ForSequenceClassification folder, e.g. a reward run's model/")
    Path rewardModel;

    @Option(names = "--critic", paramLabel = "KIND", defaultValue = "separate", description = "separate (a GPT-2 initialised from"
            + " the reward model) or shared (a value head on the actor's trunk); default: ${DEFAULT-VALUE}")
    CriticKind critic;

    @Option(names = "--reference", paramLabel = "KIND", defaultValue = "frozen", converter = ReferenceKindConverter.class,
            description = "frozen, bf16, fp16, offloaded or lora-disabled (needs --lora-r); default: ${DEFAULT-VALUE}")
    ReferenceKind reference;

    /** The command with an option for every {@link PpoTrainerConfig} field; {@code --critic shared} in lower case. */
    static CommandSpec command() {
        CommandSpec spec = HYPER.addTo(CommandSpec.forAnnotatedObject(new PpoCommand()));
        spec.parser().caseInsensitiveEnumValuesAllowed(true);
        return spec;
    }

    @Override
    public Integer call() {
        PpoTrainerConfig config = HYPER.resolve(spec, Map.of());
        PpoAssembly.train(options.inputs(spark), config, rewardModel, critic, reference, lora.config());
        return 0;
    }
}
