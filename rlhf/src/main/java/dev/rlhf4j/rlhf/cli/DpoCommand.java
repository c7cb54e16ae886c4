package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reference.ContentHash;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.PrecomputedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.spark.DpoGradientReplica;
import dev.rlhf4j.rlhf.spark.SparkCluster;
import dev.rlhf4j.rlhf.spark.SparkGradients;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoTrainer;
import dev.rlhf4j.rlhf.train.PreferenceExample;
import dev.rlhf4j.rlhf.train.TrainerState;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j dpo --model DIR --data FILE.jsonl}: Direct Preference Optimization and its variants
 * ({@link DpoTrainer}, {@code --loss-type}) on {@code {"prompt", "chosen", "rejected"}} lines. The reference is any
 * strategy of {@code --reference}; {@code precomputed} is TRL's {@code precompute_ref_log_probs}: the log-probs of
 * the data under the starting policy are computed once and cached in the run folder. Every other field of
 * {@link DpoConfig} is an option. With {@code --master} each step's micro-batches are computed on a Spark cluster's
 * executors ({@link DpoGradientReplica}) with the metrics of the run without it.
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

    @Option(names = "--reference", paramLabel = "KIND", defaultValue = "frozen", converter = ReferenceKind.Converter.class,
            description = "frozen, bf16, fp16, offloaded, lora-disabled (needs --lora-r) or precomputed (TRL's"
                    + " precompute_ref_log_probs); none is used with --reference-free true or --loss-type simpo; default: ${DEFAULT-VALUE}")
    ReferenceKind reference;

    /** A LoRA checkpoint's factors under the adapter's own parameter names, to restore them in place on --resume. */
    private static final String TRAINABLE = "trainable.safetensors";

    @Spec
    CommandSpec spec;

    /** The command with an option for every {@link DpoConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new DpoCommand()));
    }

    @Override
    public Integer call() {
        DpoConfig config = HYPER.resolve(spec, Map.of("precomputeRefLogProbs", reference == ReferenceKind.PRECOMPUTED));
        reference.check(lora.enabled());
        ModelConfig modelConfig = options.config();
        Gpt2Tokenizer tokenizer = options.tokenizer(modelConfig);
        int length = Math.min(config.maxLength(), modelConfig.maxPositions());
        ExampleTokenizer examples = new ExampleTokenizer(tokenizer,
                new TokenLimits(Math.min(config.maxPromptLength(), length - 1), length, true));
        Tokenized<PreferenceExample> data = TrainingOptions.report("data", options.data,
                examples.preferences(JsonLines.readPreferences(options.data)));
        new MemoryCheck("dpo", Workload.Algorithm.DPO, options.shape(modelConfig), config.withoutReference() ? null : reference,
                lora.rank(), true, false, Math.min(config.batching().perDeviceTrainBatchSize(), data.size()), MemoryCheck.longestPair(data.examples()),
                "--per-device-train-batch-size or --max-length").require(MemoryLimits.current());
        CausalLM policy = options.policy();
        ReferenceModel ref = null;
        LoraModel adapters = null;
        Optional<SparkCluster> cluster = Optional.empty();
        SparkGradients<?, ?> distributed = null;
        try {
            cluster = spark.start("dpo");
            long steps = config.batching().plan(data.size()).totalSteps();
            String strategy = config.withoutReference() ? "none (" + (config.referenceFree() ? "reference_free" : "loss_type simpo") + ")"
                    : reference.toString();
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            sections.put("reference", strategy);
            sections.put("lora", lora.config());
            sections.put("data", TrainingOptions.dataSection(options.data, data));
            try (TrainingRun run = options.open(options.run("dpo", config.batching().seed(), steps), sections)) {
                if (!config.withoutReference() && reference == ReferenceKind.PRECOMPUTED) {
                    Path cache = run.folder().dir().resolve(PrecomputedReference.FILE_NAME);
                    ref = DpoTrainer.precomputedReference(cache, data.examples(), config, policy.namedParameters(),
                            tokenizerHash(options.model), policy.config().eosTokenId(), () -> new FrozenCopyReference(policy));
                } else if (!config.withoutReference() && reference.copiesPolicy()) {
                    ref = reference.create(policy, options.model, null);
                }
                adapters = lora.attach(policy, config.batching().seed());
                if (ref == null && !config.withoutReference()) {
                    ref = reference.create(policy, options.model, adapters);
                }
                try (DpoTrainer trainer = adapters == null ? DpoTrainer.of(policy, ref, config)
                        : new DpoTrainer(policy, adapters, ref, config)) {
                    LoraModel trained = adapters;
                    // the reference was built from --model above; the checkpoint's weights replace the policy's only now
                    run.resumedFrom().ifPresent(c -> {
                        if (trained != null) {
                            TrainerState.readInto(c.dir(), TRAINABLE, trained.namedParameters());
                        } else {
                            TrainingOptions.restoreWeights(policy, c.dir().resolve(TrainingRun.MODEL));
                        }
                        trainer.restoreState(c.dir(), steps);
                    });
                    if (cluster.isPresent()) {
                        var shards = DpoGradientReplica.on(cluster.get(), policy, trained, ref, config);
                        distributed = shards;
                        trainer.useGradients(shards);
                    }
                    Map<String, Tensor> weights = trained != null ? trained.namedParameters() : policy.namedParameters();
                    trainer.train(data.examples(), run.sink(), options.checkpoints(run, steps, weights, dir -> {
                        trainer.saveState(dir);
                        if (trained != null) {
                            trained.save(dir.resolve(TrainingRun.ADAPTER));
                            TrainerState.writeTensors(dir, TRAINABLE, weights);
                        } else {
                            policy.save(dir.resolve(TrainingRun.MODEL));
                        }
                    }));
                }
                if (distributed != null) {
                    System.out.println(distributed.traffic());
                }
                if (ref != null) {
                    ref.verifyFrozen();
                }
                if (adapters != null) {
                    run.saveAdapter(adapters, tokenizer);
                } else {
                    run.saveModel(policy, tokenizer);
                }
                System.out.println(run.finish());
            }
        } finally {
            if (distributed != null) {
                distributed.close();
            }
            cluster.ifPresent(SparkCluster::close);
            if (ref != null) {
                ref.close();
            }
            if (adapters != null) {
                adapters.release();
            }
            policy.release();
        }
        return 0;
    }

    /** The SHA-256 of the tokenizer files beside the model, a key of the precomputed cache; GPT-2's built-in one else. */
    private static String tokenizerHash(Path modelDir) {
        List<Path> files = List.of(modelDir.resolve("vocab.json"), modelDir.resolve("merges.txt"));
        return files.stream().allMatch(Files::exists) ? ContentHash.ofFiles(files) : "gpt2 (built in)";
    }
}
