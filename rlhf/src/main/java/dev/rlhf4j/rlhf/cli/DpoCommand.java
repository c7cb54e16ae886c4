package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.DpoAssembly;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.train.DpoConfig;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j dpo --model DIR --data FILE.jsonl}: Direct Preference Optimization and its variants ({@code DpoTrainer},
 * {@code --loss-type}) on {@code {"prompt", "chosen", "rejected"}} lines, assembled by {@link DpoAssembly}. The reference
 * is any strategy of {@code --reference}; {@code precomputed} is TRL's {@code precompute_ref_log_probs}. Every other
 * field of {@link DpoConfig} is an option.
 */
@Command(name = "dpo", sortOptions = false,
        description = "Direct Preference Optimization on prompt/chosen/rejected JSON lines (TRL's DPOTrainer).")
public final class DpoCommand implements Callable<Integer> {
    /** {@code precompute_ref_log_probs} is {@code --reference precomputed}. */
    static final HyperParameters<DpoConfig> HYPER = new HyperParameters<>(DpoConfig.trlDefaults(), Set.of("precomputeRefLogProbs"));

    @Mixin
    TrainingOptions options;
    @Mixin
    LoraOptions lora;
    @Mixin
    SparkOptions spark;
    @Spec
    CommandSpec spec;

    @Option(names = "--reference", paramLabel = "KIND", defaultValue = "frozen", converter = ReferenceKindConverter.class,
            description = "frozen, bf16, fp16, offloaded, lora-disabled (needs --lora-r) or precomputed (TRL's"
                    + " precompute_ref_log_probs); none is used with --reference-free true or --loss-type simpo; default: ${DEFAULT-VALUE}")
    ReferenceKind reference;

    /** The command with an option for every {@link DpoConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new DpoCommand()));
    }

    @Override
    public Integer call() {
        DpoConfig config = HYPER.resolve(spec, Map.of("precomputeRefLogProbs", reference == ReferenceKind.PRECOMPUTED));
        DpoAssembly.train(options.inputs(spark), config, reference, lora.config());
        return 0;
    }
}
