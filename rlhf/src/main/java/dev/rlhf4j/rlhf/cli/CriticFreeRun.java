package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.spark.SparkCluster;
import dev.rlhf4j.rlhf.spark.SparkRollouts;
import dev.rlhf4j.rlhf.train.CheckpointedTrainer;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code grpo} and {@code rloo} do alike: load the policy, its tokenizer and the rewards, tokenize the prompts
 * (each keeps its last {@code n_positions - max_completion_length} tokens), build the reference (none when beta is 0; a
 * {@link SynchronizedReference} for TR-DPO syncing), attach LoRA, train in a run folder with checkpoints
 * ({@code --save-steps}, {@code --resume} as the other trainers; a synchronized reference's weights and counters go into
 * each checkpoint as {@value #SYNCED_REFERENCE}) and save the policy or its adapters. With
 * {@code --master} the rollouts run on a Spark application that lives as long as the run ({@link SparkRollouts}).
 */
final class CriticFreeRun {
    /** A checkpoint's copy of a {@link SynchronizedReference}. */
    static final String SYNCED_REFERENCE = "synced_reference.safetensors";
    /** Builds the trainer once the models exist. */
    interface Factory {
        CheckpointedTrainer create(CausalLM policy, LoraModel lora, ReferenceModel reference, List<NamedReward> rewards,
                                   double[] weights, List<int[]> prompts, MetricsSink sink, Rollouts.Factory rollouts);
    }

    /**
     * The run's shape.
     *
     * @param command             the command's name (the run folder's prefix)
     * @param config              the resolved config record (written to config.json)
     * @param seed                its seed
     * @param maxCompletionLength its max_completion_length
     * @param beta                its beta: 0 loads no reference
     * @param syncSteps           ref_model_sync_steps when syncing the reference (TR-DPO), else 0
     * @param mixupAlpha          ref_model_mixup_alpha when syncing
     * @param completionsPerStep  per_device_train_batch_size x gradient_accumulation_steps: the rows generated and scored at once
     */
    record Shape(String command, Record config, long seed, int maxCompletionLength, double beta, int syncSteps, double mixupAlpha,
                 int completionsPerStep) {
    }

    private CriticFreeRun() {
    }

    /** Runs it; returns the exit code. {@code steps} gives the run's step count for a number of prompts. */
    static int run(Shape shape, TrainingOptions options, LoraOptions lora, RewardOptions rewardOptions, ReferenceKind kind,
                   SparkOptions spark, java.util.function.IntToLongFunction steps, Factory factory) {
        if (kind == ReferenceKind.PRECOMPUTED) {
            throw new IllegalArgumentException("--reference precomputed is for dpo: " + shape.command() + " scores completions it has just"
                    + " generated");
        }
        boolean sync = shape.syncSteps() > 0;
        if (sync && lora.enabled()) {
            throw new IllegalArgumentException("--sync-ref-model true mixes every policy weight into a copy: it cannot follow LoRA adapters");
        }
        kind.check(lora.enabled());
        boolean needsReference = shape.beta() > 0;
        if (sync && needsReference && spark.enabled()) {
            throw new IllegalArgumentException("--sync-ref-model true cannot run with --master: its reference follows the policy and is"
                    + " not sent to executors; use --reference frozen, bf16, fp16, offloaded or lora-disabled");
        }
        rewardOptions.check();
        ModelConfig modelConfig = options.config();
        Gpt2Tokenizer tokenizer = options.tokenizer(modelConfig);
        int positions = modelConfig.maxPositions();
        if (shape.maxCompletionLength() >= positions) {
            throw new IllegalArgumentException("--max-completion-length " + shape.maxCompletionLength() + " leaves no room for a prompt"
                    + " in the model's " + positions + " positions");
        }
        ExampleTokenizer examples = new ExampleTokenizer(tokenizer,
                new TokenLimits(positions - shape.maxCompletionLength(), positions, false));
        Tokenized<int[]> prompts = TrainingOptions.report("prompts", options.data, examples.prompts(JsonLines.readPrompts(options.data)));
        // a synchronized reference is a full copy, as a frozen one
        ReferenceKind planned = !needsReference ? null : sync ? ReferenceKind.FROZEN : kind;
        new MemoryCheck(shape.command(), Workload.Algorithm.parse(shape.command()), options.shape(modelConfig), planned, lora.rank(),
                true, rewardOptions.rewardModel != null, shape.completionsPerStep(),
                MemoryCheck.longest(prompts.examples()) + shape.maxCompletionLength(),
                "--per-device-train-batch-size x --gradient-accumulation-steps (the completions of a step) or --max-completion-length")
                .require(MemoryLimits.current());
        CausalLM policy = options.policy();
        ReferenceModel ref = null;
        LoraModel adapters = null;
        Optional<SparkCluster> cluster = Optional.empty();
        try {
            RewardOptions.Rewards rewards = rewardOptions.load(policy, options.model, tokenizer);
            if (needsReference) {
                ref = sync ? new SynchronizedReference(policy, shape.syncSteps(), shape.mixupAlpha())
                        : kind.copiesPolicy() ? kind.create(policy, options.model, null) : null;
            }
            adapters = lora.attach(policy, shape.seed());
            if (needsReference && ref == null) {
                ref = kind.create(policy, options.model, adapters);
            }
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", shape.config());
            sections.put("rewards", rewardOptions.section(rewards));
            sections.put("models", Map.of("reference", !needsReference ? "none (beta 0)" : sync ? "synchronized" : kind.toString()));
            sections.put("lora", lora.config());
            sections.put("data", TrainingOptions.dataSection(options.data, prompts));
            long total = steps.applyAsLong(prompts.size());
            cluster = spark.start(shape.command());
            Rollouts.Factory rollouts = cluster.map(SparkRollouts::on).orElse(Rollouts.LOCAL);
            try (TrainingRun run = options.open(options.run(shape.command(), shape.seed(), total), sections)) {
                CheckpointedTrainer trainer = factory.create(policy, adapters, ref, rewards.rewards(), rewards.weights(), prompts.examples(),
                        run.sink(), rollouts);
                try {
                    LoraModel trained = adapters;
                    // the reference was built from --model above; the checkpoint's weights replace the policy's only now
                    ReferenceModel reference = ref;
                    run.resumedFrom().ifPresent(c -> {
                        TrainingOptions.restorePolicy(c.dir(), policy, trained);
                        trainer.restoreState(c.dir());
                        if (reference instanceof SynchronizedReference synced) {
                            synced.restore(c.dir().resolve(SYNCED_REFERENCE));
                        }
                    });
                    trainer.train(options.checkpoints(run, total, TrainingOptions.trained(policy, trained), dir -> {
                        trainer.saveState(dir);
                        TrainingOptions.savePolicy(dir, policy, trained);
                        if (reference instanceof SynchronizedReference synced) {
                            synced.save(dir.resolve(SYNCED_REFERENCE));
                        }
                    }));
                } finally {
                    trainer.release();
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
            cluster.ifPresent(SparkCluster::close);
            if (ref != null) {
                ref.close();
            }
            rewardOptions.release();
            if (adapters != null) {
                adapters.release();
            }
            policy.release();
        }
        return 0;
    }
}
