package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.train.RlooConfig;
import dev.rlhf4j.rlhf.train.RlooTrainer;
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
 * Leave-One-Out ({@link RlooTrainer}) on {@code {"prompt"}} lines, no critic. {@code --reference} holds the reference of
 * the sequence-level KL penalty; with {@code --beta 0} none is loaded. Every field of {@link RlooConfig} is an option.
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

    @Option(names = "--reference", paramLabel = "KIND", defaultValue = "frozen", converter = ReferenceKind.Converter.class,
            description = "frozen, bf16, fp16, offloaded or lora-disabled (needs --lora-r); unused with --beta 0; default: ${DEFAULT-VALUE}")
    ReferenceKind reference;

    @Spec
    CommandSpec spec;

    /** The command with an option for every {@link RlooConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new RlooCommand()));
    }

    @Override
    public Integer call() {
        RlooConfig c = HYPER.resolve(spec, Map.of());
        CriticFreeRun.Shape shape = new CriticFreeRun.Shape("rloo", c, c.batching().seed(), c.sampling().maxCompletionLength(), c.beta(), 0,
                0.0, c.batching().perDeviceTrainBatchSize() * c.batching().gradientAccumulationSteps());
        return CriticFreeRun.run(shape, options, lora, rewards, reference, spark, c.batching()::iterations,
                (policy, adapters, ref, r, w, prompts, sink, rollouts) -> {
                    RlooTrainer trainer = new RlooTrainer(policy, adapters, ref, r, w, prompts, c, sink);
                    trainer.rollouts(rollouts);
                    return trainer;
                });
    }
}
