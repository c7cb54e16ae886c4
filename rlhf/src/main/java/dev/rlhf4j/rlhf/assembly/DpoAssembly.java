package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reference.ContentHash;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.PrecomputedReference;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.spark.SparkGradients;
import dev.rlhf4j.rlhf.train.CheckpointedTrainer;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoTrainer;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * A {@code dpo} run ({@link DpoTrainer}, its loss by {@code loss_type}) on {@code {"prompt", "chosen", "rejected"}}
 * lines. The reference is any {@link ReferenceKind}; {@code precomputed} is TRL's {@code precompute_ref_log_probs}: the
 * log-probs of the data under the starting policy, computed once and cached in the run folder, so it is built once the
 * folder is open. With {@code --master} each step's micro-batches are computed on Spark's executors
 * ({@link SparkGradients#dpo}).
 */
public final class DpoAssembly {
    private DpoAssembly() {
    }

    /** Trains; {@code kind} is unused when the config needs no reference, {@code lora} null trains every weight. */
    public static void train(RunInputs inputs, DpoConfig config, ReferenceKind kind, LoraConfig lora) {
        kind.check(lora != null);
        ReferenceKind held = config.withoutReference() ? null : kind;
        try (Assembly a = new Assembly(inputs, "dpo")) {
            int length = Math.min(config.maxLength(), a.config().maxPositions());
            Tokenized<PreferenceExample> data = Assembly.report("data", inputs.data(), a.examples(
                    new TokenLimits(Math.min(config.maxPromptLength(), length - 1), length, true)).preferences(JsonLines.readPreferences(inputs.data())));
            new MemoryCheck("dpo", Workload.Algorithm.DPO, a.shape(), held, lora == null ? 0 : lora.r(), true, false,
                    Math.min(config.batching().perDeviceTrainBatchSize(), data.size()), MemoryCheck.longestPair(data.examples()),
                    "--per-device-train-batch-size or --max-length").require(MemoryLimits.current());
            CausalLM policy = a.policy();
            long steps = config.batching().plan(data.size()).totalSteps();
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            sections.put("reference", held != null ? kind.toString()
                    : "none (" + (config.referenceFree() ? "reference_free" : "loss_type simpo") + ")");
            sections.put("lora", lora);
            sections.put("data", Assembly.dataSection(inputs.data(), data));
            a.train(config.batching().seed(), steps, sections, run -> {
                Function<CausalLM, ReferenceModel> precomputed = held != ReferenceKind.PRECOMPUTED ? null
                        : p -> DpoTrainer.precomputedReference(run.folder().dir().resolve(PrecomputedReference.FILE_NAME), data.examples(),
                                config, p.namedParameters(), tokenizerHash(inputs.model()), p.config().eosTokenId(),
                                () -> new FrozenCopyReference(p));
                LoraModel adapters = a.referenceAndAdapters(held, precomputed, lora, config.batching().seed());
                DpoTrainer trainer = adapters == null ? DpoTrainer.of(policy, a.reference(), config) : new DpoTrainer(policy, adapters,
                        a.reference(), config);
                return new Steps(trainer, data.examples(), run.sink(), steps);
            }, (cluster, s) -> {
                var shards = SparkGradients.dpo(cluster, policy, a.adapters(), a.reference(), config);
                s.trainer().useGradients(shards);
                return shards;
            });
        }
    }

    /** The SHA-256 of the tokenizer files beside the model, a key of the precomputed cache; GPT-2's built-in one else. */
    private static String tokenizerHash(Path modelDir) {
        List<Path> files = List.of(modelDir.resolve("vocab.json"), modelDir.resolve("merges.txt"));
        return files.stream().allMatch(Files::exists) ? ContentHash.ofFiles(files) : "gpt2 (built in)";
    }

    /** The DPO trainer as the assembly drives it: its data and sink bound, restored within a run of {@code totalSteps}. */
    private record Steps(DpoTrainer trainer, List<PreferenceExample> data, MetricsSink sink, long totalSteps) implements CheckpointedTrainer {
        @Override
        public void train(LongConsumer afterStep) {
            trainer.train(data, sink, afterStep);
        }

        @Override
        public void saveState(Path dir) throws IOException {
            trainer.saveState(dir);
        }

        @Override
        public void restoreState(Path dir) {
            trainer.restoreState(dir, totalSteps);
        }

        @Override
        public void release() {
            trainer.close();
        }
    }
}
