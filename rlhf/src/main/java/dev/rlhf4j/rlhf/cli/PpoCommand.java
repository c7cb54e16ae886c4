package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.spark.SparkCluster;
import dev.rlhf4j.rlhf.spark.SparkRollouts;
import dev.rlhf4j.rlhf.train.Critic;
import dev.rlhf4j.rlhf.train.PpoTrainer;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
import dev.rlhf4j.rlhf.train.SeparateCritic;
import dev.rlhf4j.rlhf.train.SharedTrunkCritic;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
 * {@code ./rlhf4j ppo --model DIR --reward-model DIR --data FILE.jsonl}: RLHF with PPO ({@link PpoTrainer}) on
 * {@code {"prompt"}} lines. The four models: the actor from {@code --model} (optionally through LoRA), the frozen
 * reward model from {@code --reward-model} (a {@code reward} run's {@code model/} folder), the critic
 * ({@code --critic separate}: a GPT-2 initialised from the reward model, TRL's {@code value_model}; {@code shared}:
 * a value head on the actor's trunk) and the reference ({@code --reference}). Prompts keep their last
 * {@code n_positions - response_length} tokens. Every field of {@link PpoTrainerConfig} is an option. With
 * {@code --master} the rollouts (generation, reward, reference) run on a Spark application ({@link SparkRollouts}).
 */
@Command(name = "ppo", sortOptions = false,
        description = "RLHF with PPO on prompt-only JSON lines, scored by a reward model (TRL's PPOTrainer).")
public final class PpoCommand implements Callable<Integer> {
    static final HyperParameters<PpoTrainerConfig> HYPER = new HyperParameters<>(PpoTrainerConfig.trlDefaults(), Set.of());

    /** Where the critic's trunk comes from. */
    enum CriticKind { SEPARATE, SHARED }

    @Mixin
    TrainingOptions options;

    @Mixin
    LoraOptions lora;

    @Mixin
    SparkOptions spark;

    @Option(names = "--reward-model", converter = InputPaths.Directory.class, required = true, paramLabel = "DIR",
            description = "the reward model: a GPT2ForSequenceClassification folder, e.g. a reward run's model/")
    Path rewardModel;

    @Option(names = "--critic", paramLabel = "KIND", defaultValue = "separate",
            description = "separate (a GPT-2 initialised from the reward model) or shared (a value head on the actor's trunk);"
                    + " default: ${DEFAULT-VALUE}")
    CriticKind critic;

    @Option(names = "--reference", paramLabel = "KIND", defaultValue = "frozen", converter = ReferenceKind.Converter.class,
            description = "frozen, bf16, fp16, offloaded or lora-disabled (needs --lora-r); default: ${DEFAULT-VALUE}")
    ReferenceKind reference;

    @Spec
    CommandSpec spec;

    /** The command with an option for every {@link PpoTrainerConfig} field. */
    static CommandSpec command() {
        CommandSpec spec = HYPER.addTo(CommandSpec.forAnnotatedObject(new PpoCommand()));
        spec.parser().caseInsensitiveEnumValuesAllowed(true);                          // --critic shared
        return spec;
    }

    @Override
    public Integer call() {
        PpoTrainerConfig config = HYPER.resolve(spec, Map.of());
        if (reference == ReferenceKind.PRECOMPUTED) {
            throw new IllegalArgumentException("--reference precomputed is for dpo: PPO scores completions it has just generated");
        }
        reference.check(lora.enabled());
        ModelConfig modelConfig = options.config();
        Gpt2Tokenizer tokenizer = options.tokenizer(modelConfig);
        int positions = modelConfig.maxPositions();
        if (config.rollout().responseLength() >= positions) {
            throw new IllegalArgumentException("--response-length " + config.rollout().responseLength() + " leaves no room for a prompt in the"
                    + " model's " + positions + " positions");
        }
        ExampleTokenizer examples = new ExampleTokenizer(tokenizer,
                new TokenLimits(positions - config.rollout().responseLength(), positions, false));
        Tokenized<int[]> prompts = TrainingOptions.report("prompts", options.data, examples.prompts(JsonLines.readPrompts(options.data)));
        new MemoryCheck("ppo", Workload.Algorithm.PPO, options.shape(modelConfig), reference, lora.rank(), true, true,
                config.batches().batchSize(), MemoryCheck.longest(prompts.examples()) + config.rollout().responseLength(),
                "--per-device-train-batch-size x --gradient-accumulation-steps x --num-mini-batches (the rollout batch) or"
                        + " --response-length").require(MemoryLimits.current());
        CausalLM actor = options.policy();
        RewardModel rewards = null;
        ReferenceModel ref = null;
        LoraModel adapters = null;
        Critic values = null;
        Optional<SparkCluster> cluster = Optional.empty();
        try {
            rewards = RewardModel.fromPretrained(rewardModel);
            TrainingOptions.requireSameTokenizer(tokenizer, options.model, modelConfig.vocabSize(), rewards.config().vocabSize(),
                    "--reward-model", rewardModel);
            // the copies are taken before the adapters are attached: they hold the base model
            ref = reference.copiesPolicy() ? reference.create(actor, options.model, null) : null;
            adapters = lora.attach(actor, config.batches().seed());
            ref = ref != null ? ref : reference.create(actor, options.model, adapters);
            values = critic == CriticKind.SEPARATE
                    ? SeparateCritic.fromRewardModel(rewards.model(), rewards.namedParameters().get("score.weight"))
                    : new SharedTrunkCritic(actor.config().hiddenSize(), actor.dtype(), new TensorRandom(config.batches().seed()), RewardModel.INITIALIZER_RANGE);
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            sections.put("models", Map.of("reward_model", rewardModel.toString(), "critic", critic.name().toLowerCase(java.util.Locale.ROOT), "reference", reference.toString()));
            sections.put("lora", lora.config());
            sections.put("data", TrainingOptions.dataSection(options.data, prompts));
            long iterations = config.batches().iterations(prompts.size());
            cluster = spark.start("ppo");
            try (TrainingRun run = options.open(options.run("ppo", config.batches().seed(), iterations), sections)) {
                PpoTrainer trainer = new PpoTrainer(actor, adapters, values, ref, rewards, prompts.examples(), config, run.sink());
                cluster.ifPresent(c -> trainer.rollouts(SparkRollouts.on(c)));
                try {
                    LoraModel trained = adapters;
                    // the reference was built from --model above; the checkpoint's weights replace the actor's only now
                    run.resumedFrom().ifPresent(c -> {
                        TrainingOptions.restorePolicy(c.dir(), actor, trained);
                        trainer.restoreState(c.dir());
                    });
                    trainer.train(options.checkpoints(run, iterations, TrainingOptions.trained(actor, trained), dir -> {
                        trainer.saveState(dir);
                        TrainingOptions.savePolicy(dir, actor, trained);
                    }));
                } finally {
                    trainer.release();
                }
                ref.verifyFrozen();
                if (adapters != null) {
                    run.saveAdapter(adapters, tokenizer);
                } else {
                    run.saveModel(actor, tokenizer);
                }
                System.out.println(run.finish());
            }
        } finally {
            cluster.ifPresent(SparkCluster::close);
            release(values, ref, rewards, adapters, actor);
        }
        return 0;
    }

    /** Frees the models in order (the adapters before the actor they are attached to); nulls are skipped. */
    private static void release(Critic critic, ReferenceModel ref, RewardModel rewards, LoraModel adapters, CausalLM actor) {
        if (critic != null) {
            critic.close();
        }
        if (ref != null) {
            ref.close();
        }
        if (rewards != null) {
            rewards.release();
        }
        if (adapters != null) {
            adapters.release();
        }
        actor.release();
    }
}
