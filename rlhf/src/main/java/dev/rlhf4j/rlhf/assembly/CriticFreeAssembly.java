package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import dev.rlhf4j.rlhf.spark.SparkRollouts;
import dev.rlhf4j.rlhf.train.CheckpointedTrainer;
import dev.rlhf4j.rlhf.train.GrpoConfig;
import dev.rlhf4j.rlhf.train.GrpoTrainer;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.rlhf.train.RlooConfig;
import dev.rlhf4j.rlhf.train.RlooTrainer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntToLongFunction;

/**
 * A {@code grpo} ({@link GrpoTrainer}) or {@code rloo} ({@link RlooTrainer}) run on {@code {"prompt"}} lines, no critic:
 * the policy, its rewards ({@link RewardSpec}), the reference (none when beta is 0; a {@link SynchronizedReference}
 * for TR-DPO syncing) and LoRA. With {@code --master} the rollouts run on Spark ({@link SparkRollouts}).
 */
public final class CriticFreeAssembly {
    /**
     * What GRPO and RLOO differ in, for the assembly.
     *
     * @param command             the command's name (the run folder's prefix)
     * @param config              the resolved config record (written to config.json)
     * @param seed                its seed
     * @param maxCompletionLength its max_completion_length
     * @param beta                its beta: 0 loads no reference
     * @param syncSteps           ref_model_sync_steps when syncing the reference (TR-DPO), else 0
     * @param mixupAlpha          ref_model_mixup_alpha when syncing
     * @param completionsPerStep  per_device_train_batch_size x gradient_accumulation_steps: the rows generated and scored at once
     * @param steps               the run's step count for a number of prompts
     */
    private record Shape(String command, Record config, long seed, int maxCompletionLength, double beta, int syncSteps, double mixupAlpha,
                         int completionsPerStep, IntToLongFunction steps) {
    }

    /** Builds the trainer once the models exist. */
    private interface Factory {
        CheckpointedTrainer create(CausalLM policy, LoraModel lora, ReferenceModel reference, RewardSpec.Rewards rewards,
                                   Tokenized<int[]> prompts, MetricsSink sink, Rollouts.Factory rollouts);
    }

    private CriticFreeAssembly() {
    }

    /** Trains GRPO; {@code lora} null trains every weight. */
    public static void grpo(RunInputs inputs, GrpoConfig c, ReferenceKind kind, LoraConfig lora, RewardSpec rewards) {
        train(new Shape("grpo", c, c.batching().seed(), c.sampling().maxCompletionLength(), c.beta(),
                c.referenceSync().syncRefModel() ? c.referenceSync().refModelSyncSteps() : 0, c.referenceSync().refModelMixupAlpha(),
                c.batching().perDeviceTrainBatchSize() * c.batching().gradientAccumulationSteps(), c.batching()::iterations),
                inputs, kind, lora, rewards, (policy, adapters, ref, r, prompts, sink, rollouts) -> {
                    GrpoTrainer trainer = new GrpoTrainer(policy, adapters, ref, r.rewards(), r.weights(), prompts.examples(), c, sink);
                    trainer.rollouts(rollouts);
                    return trainer;
                });
    }

    /** Trains RLOO; {@code lora} null trains every weight. */
    public static void rloo(RunInputs inputs, RlooConfig c, ReferenceKind kind, LoraConfig lora, RewardSpec rewards) {
        train(new Shape("rloo", c, c.batching().seed(), c.sampling().maxCompletionLength(), c.beta(), 0, 0.0,
                c.batching().perDeviceTrainBatchSize() * c.batching().gradientAccumulationSteps(), c.batching()::iterations),
                inputs, kind, lora, rewards, (policy, adapters, ref, r, prompts, sink, rollouts) -> {
                    RlooTrainer trainer = new RlooTrainer(policy, adapters, ref, r.rewards(), r.weights(), prompts.examples(), c, sink);
                    trainer.rollouts(rollouts);
                    return trainer;
                });
    }

    private static void train(Shape shape, RunInputs inputs, ReferenceKind kind, LoraConfig lora, RewardSpec rewardSpec, Factory factory) {
        kind.requireLive(shape.command());
        boolean sync = shape.syncSteps() > 0;
        if (sync && lora != null) {
            throw new IllegalArgumentException("--sync-ref-model true mixes every policy weight into a copy: it cannot follow LoRA adapters");
        }
        kind.check(lora != null);
        boolean needsReference = shape.beta() > 0;
        if (sync && needsReference && inputs.master() != null) {
            throw new IllegalArgumentException("--sync-ref-model true cannot run with --master: its reference follows the policy and is"
                    + " not sent to executors; use --reference frozen, bf16, fp16, offloaded or lora-disabled");
        }
        try (Assembly a = new Assembly(inputs, shape.command())) {
            Tokenized<int[]> prompts = a.prompts(shape.maxCompletionLength(), "--max-completion-length");
            // a synchronized reference is a full copy, as a frozen one
            ReferenceKind planned = !needsReference ? null : sync ? ReferenceKind.FROZEN : kind;
            new MemoryCheck(shape.command(), Workload.Algorithm.parse(shape.command()), a.shape(), planned, lora == null ? 0 : lora.r(),
                    true, rewardSpec.model() != null, shape.completionsPerStep(),
                    MemoryCheck.longest(prompts.examples()) + shape.maxCompletionLength(),
                    "--per-device-train-batch-size x --gradient-accumulation-steps (the completions of a step) or --max-completion-length")
                    .require(MemoryLimits.current());
            CausalLM policy = a.policy();
            RewardSpec.Rewards rewards = a.rewards(rewardSpec);
            Function<CausalLM, ReferenceModel> synced = sync ? p -> new SynchronizedReference(p, shape.syncSteps(), shape.mixupAlpha()) : null;
            LoraModel adapters = a.referenceAndAdapters(needsReference ? kind : null, synced, lora, shape.seed());
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", shape.config());
            sections.put("rewards", rewardSpec.section(rewards));
            sections.put("models", Map.of("reference", !needsReference ? "none (beta 0)" : sync ? "synchronized" : kind.toString()));
            sections.put("lora", lora);
            sections.put("data", Assembly.dataSection(inputs.data(), prompts));
            a.train(shape.seed(), shape.steps().applyAsLong(prompts.size()), sections, run -> factory.create(policy, adapters, a.reference(),
                    rewards, prompts, run.sink(), a.cluster().map(SparkRollouts::on).orElse(Rollouts.LOCAL)), null);
        }
    }
}
