package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.spark.SparkGradients;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.train.SftConfig;
import dev.rlhf4j.rlhf.train.SftTrainer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code sft} run ({@link SftTrainer}): {@code {"prompt", "completion"}} lines, each completion ending with EOS and a
 * prompt longer than the context keeping its last tokens; the whole policy trains and is saved in {@code <run>/model/}.
 * With {@code --master} each step's micro-batches are computed on Spark's executors ({@link SparkGradients#sft}).
 */
public final class SftAssembly {
    private SftAssembly() {
    }

    public static void train(RunInputs inputs, SftConfig config) {
        try (Assembly a = new Assembly(inputs, "sft")) {
            int length = Math.min(config.maxLength(), a.config().maxPositions());
            Tokenized<CompletionExample> data = Assembly.report("data", inputs.data(),
                    a.examples(new TokenLimits(length - 1, length, true)).sft(JsonLines.readSft(inputs.data())));
            new MemoryCheck("sft", Workload.Algorithm.SFT, a.shape(), null, 0, false, false,
                    Math.min(config.batching().perDeviceTrainBatchSize(), data.size()),
                    MemoryCheck.longest(data.examples().stream().map(CompletionExample::tokens).toList()),
                    "--per-device-train-batch-size or --max-length").require(MemoryLimits.current());
            CausalLM policy = a.policy();
            long steps = config.batching().plan(data.size()).totalSteps();
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            sections.put("data", Assembly.dataSection(inputs.data(), data));
            a.train(config.batching().seed(), steps, sections, run -> new SftTrainer(policy, data.examples(), config, run.sink()), (cluster, trainer) -> {
                var shards = SparkGradients.sft(cluster, policy, config.completionOnlyLoss());
                trainer.useGradients(shards);
                return shards;
            });
        }
    }
}
