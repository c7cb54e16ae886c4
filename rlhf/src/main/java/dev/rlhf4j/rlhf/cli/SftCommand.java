package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.spark.SftGradientReplica;
import dev.rlhf4j.rlhf.spark.SparkCluster;
import dev.rlhf4j.rlhf.spark.SparkGradients;
import dev.rlhf4j.rlhf.train.CompletionExample;
import dev.rlhf4j.rlhf.train.SftConfig;
import dev.rlhf4j.rlhf.train.SftTrainer;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j sft --model DIR --data FILE.jsonl}: supervised fine-tuning ({@link SftTrainer}) on
 * {@code {"prompt", "completion"}} lines; every field of {@link SftConfig} is an option. Each completion ends with
 * EOS so that the model learns to stop; a prompt longer than the context keeps its last tokens. The trained model is
 * saved in Hugging Face layout in {@code <run>/model/}. With {@code --master} each step's micro-batches are computed on
 * a Spark cluster's executors ({@link SftGradientReplica}) with the metrics of the run without it.
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
        ModelConfig modelConfig = options.config();
        Gpt2Tokenizer tokenizer = options.tokenizer(modelConfig);
        int length = Math.min(config.maxLength(), modelConfig.maxPositions());
        ExampleTokenizer examples = new ExampleTokenizer(tokenizer, new TokenLimits(length - 1, length, true));
        Tokenized<CompletionExample> data = TrainingOptions.report("data", options.data,
                examples.sft(JsonLines.readSft(options.data)));
        new MemoryCheck("sft", Workload.Algorithm.SFT, options.shape(modelConfig), null, 0, false, false,
                Math.min(config.batching().perDeviceTrainBatchSize(), data.size()),
                MemoryCheck.longest(data.examples().stream().map(CompletionExample::tokens).toList()),
                "--per-device-train-batch-size or --max-length").require(MemoryLimits.current());
        CausalLM policy = options.policy();
        Optional<SparkCluster> cluster = Optional.empty();
        try {
            cluster = spark.start("sft");
            long steps = config.batching().plan(data.size()).totalSteps();
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            sections.put("data", TrainingOptions.dataSection(options.data, data));
            try (TrainingRun run = options.open(options.run("sft", config.batching().seed(), steps), sections)) {
                SftTrainer trainer = new SftTrainer(policy, data.examples(), config, run.sink());
                SparkGradients<?, ?> distributed = null;
                try {
                    run.resumedFrom().ifPresent(c -> {
                        TrainingOptions.restoreWeights(policy, c.dir().resolve(TrainingRun.MODEL));
                        trainer.restoreState(c.dir());
                    });
                    if (cluster.isPresent()) {
                        var shards = SftGradientReplica.on(cluster.get(), policy, config.completionOnlyLoss());
                        distributed = shards;
                        trainer.useGradients(shards);
                    }
                    trainer.train(options.checkpoints(run, steps, policy.namedParameters(), dir -> {
                        trainer.saveState(dir);
                        policy.save(dir.resolve(TrainingRun.MODEL));
                    }));
                    if (distributed != null) {
                        System.out.println(distributed.traffic());
                    }
                } finally {
                    if (distributed != null) {
                        distributed.close();
                    }
                    trainer.release();
                }
                run.saveModel(policy, tokenizer);
                System.out.println(run.finish());
            }
        } finally {
            cluster.ifPresent(SparkCluster::close);
            policy.release();
        }
        return 0;
    }
}
