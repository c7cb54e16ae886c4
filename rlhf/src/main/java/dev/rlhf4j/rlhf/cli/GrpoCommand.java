package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.train.GrpoConfig;
import dev.rlhf4j.rlhf.train.GrpoTrainer;
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
 * ({@link GrpoTrainer}) on {@code {"prompt"}} lines, no critic. With {@code --beta 0} (TRL's default) no reference is
 * loaded; otherwise {@code --reference} holds it, or {@code --sync-ref-model true} a copy that follows the policy.
 * Every field of {@link GrpoConfig} is an option.
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

    @Option(names = "--reference", paramLabel = "KIND", defaultValue = "frozen", converter = ReferenceKind.Converter.class,
            description = "frozen, bf16, fp16, offloaded or lora-disabled (needs --lora-r); unused with --beta 0; default: ${DEFAULT-VALUE}")
    ReferenceKind reference;

    @Spec
    CommandSpec spec;

    /** The command with an option for every {@link GrpoConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new GrpoCommand()));
    }

    @Override
    public Integer call() {
        GrpoConfig c = HYPER.resolve(spec, Map.of());
        CriticFreeRun.Shape shape = new CriticFreeRun.Shape("grpo", c, c.batching().seed(), c.sampling().maxCompletionLength(),
                c.beta(), c.referenceSync().syncRefModel() ? c.referenceSync().refModelSyncSteps() : 0,
                c.referenceSync().refModelMixupAlpha(), c.batching().perDeviceTrainBatchSize() * c.batching().gradientAccumulationSteps());
        return CriticFreeRun.run(shape, options, lora, rewards, reference, spark, c.batching()::iterations,
                (policy, adapters, ref, r, w, prompts, sink, rollouts) -> {
                    GrpoTrainer trainer = new GrpoTrainer(policy, adapters, ref, r, w, prompts, c, sink);
                    trainer.rollouts(rollouts);
                    return trainer;
                });
    }
}
