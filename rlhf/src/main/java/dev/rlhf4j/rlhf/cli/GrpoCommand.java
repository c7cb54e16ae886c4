package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.CriticFreeAssembly;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.train.GrpoConfig;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j grpo --model DIR --data FILE.jsonl (--reward-model DIR | --reward-funcs length,eos)}: GRPO
 * ({@code GrpoTrainer}, assembled by {@link CriticFreeAssembly}) on {@code {"prompt"}} lines, no critic. With
 * {@code --beta 0} (TRL's default) no reference is loaded; otherwise {@code --reference} holds it, or
 * {@code --sync-ref-model true} a copy that follows the policy. Every field of {@link GrpoConfig} is an option.
 */
@Command(name = "grpo", sortOptions = false,
        description = "GRPO on prompt-only JSON lines, scored by a reward model and/or rule rewards (TRL's GRPOTrainer).")
public final class GrpoCommand implements Callable<Integer> {
    static final HyperParameters<GrpoConfig> HYPER = new HyperParameters<>(GrpoConfig.trlDefaults(), Set.of());

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

    /** The command with an option for every {@link GrpoConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new GrpoCommand()));
    }

    @Override
    public Integer call() {
        GrpoConfig config = HYPER.resolve(spec, Map.of());
        CriticFreeAssembly.grpo(options.inputs(spark), config, reference, lora.config(), rewards.spec());
        return 0;
    }
}
