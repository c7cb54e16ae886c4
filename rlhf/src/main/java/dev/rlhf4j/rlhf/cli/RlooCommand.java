package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.CriticFreeAssembly;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.train.RlooConfig;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j rloo --model DIR --data FILE.jsonl (--reward-model DIR | --reward-funcs length,eos)}: REINFORCE
 * Leave-One-Out ({@code RlooTrainer}, assembled by {@link CriticFreeAssembly}) on {@code {"prompt"}} lines, no critic.
 * {@code --reference} holds the reference of the sequence-level KL penalty; with {@code --beta 0} none is loaded. Every
 * field of {@link RlooConfig} is an option.
 */
@Command(name = "rloo", sortOptions = false,
        description = "RLOO on prompt-only JSON lines, scored by a reward model and/or rule rewards (TRL's RLOOTrainer).")
public final class RlooCommand implements Callable<Integer> {
    static final HyperParameters<RlooConfig> HYPER = new HyperParameters<>(RlooConfig.trlDefaults(), Set.of());

    @Mixin
    TrainingOptions options;
    @Mixin
    LoraOptions lora;
    @Mixin
    RewardOptions rewards;
    @Mixin
    SparkOptions spark;
    @Spec
    CommandSpec spec;

    @Option(names = "--reference", paramLabel = "KIND", defaultValue = "frozen", converter = ReferenceKindConverter.class,
            description = "frozen, bf16, fp16, offloaded or lora-disabled (needs --lora-r); unused with --beta 0; default: ${DEFAULT-VALUE}")
    ReferenceKind reference;

    /** The command with an option for every {@link RlooConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new RlooCommand()));
    }

    @Override
    public Integer call() {
        RlooConfig config = HYPER.resolve(spec, Map.of());
        CriticFreeAssembly.rloo(options.inputs(spark), config, reference, lora.config(), rewards.spec());
        return 0;
    }
}
