package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.Checkpointable;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.ModelShape;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.References;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.rollout.RuleReward;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.spark.SparkCluster;
import dev.rlhf4j.rlhf.spark.SparkGradients;
import dev.rlhf4j.rlhf.train.CheckpointedTrainer;
import dev.rlhf4j.rlhf.train.Critic;
import dev.rlhf4j.rlhf.train.SeparateCritic;
import dev.rlhf4j.rlhf.train.SharedTrunkCritic;
import dev.rlhf4j.rlhf.train.TrainerState;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The one place a training run is put together and taken apart. Each algorithm's assembly ({@link SftAssembly},
 * {@link RewardAssembly}, {@link PpoAssembly}, {@link DpoAssembly}, {@link CriticFreeAssembly}) reads its data and asks
 * for the parts it needs, in this order:
 * <pre>
 *   new Assembly(inputs, command)     --model's config.json and tokenizer; nothing is loaded yet
 *   policy() | rewardModelToTrain()   the model that trains
 *   rewardModel(), rewards(spec)      the frozen reward model and rule rewards (ppo, grpo, rloo)
 *   referenceAndAdapters(...)         the copies of the policy, then LoRA, then a reference that reads the adapters
 *   critic(kind, seed)                ppo
 *   train(...)                        Spark (--master), the run folder, the trainer; each checkpoint saves and a resumed
 *                                     run restores every part: the trained weights, the trainer, the reference
 *   close()                           frees gradients, Spark, critic, reference, reward model, adapters, policy, in order
 * </pre>
 * Each part of a checkpoint is a {@link Checkpointable} that names its own files.
 */
public final class Assembly implements AutoCloseable {
    private final RunInputs inputs;
    private final String command;
    private final ModelConfig config;
    private final Gpt2Tokenizer tokenizer;
    private CausalLM policy;
    private RewardModel trainedRewardModel;
    private RewardModel rewardModel;
    private LoraModel adapters;
    private ReferenceModel reference;
    private Critic critic;
    private Optional<SparkCluster> cluster = Optional.empty();
    private SparkGradients<?, ?> gradients;

    /** Reads {@code --model}'s {@code config.json} (checked against its weights' header) and tokenizer; loads no weight. */
    public Assembly(RunInputs inputs, String command) {
        this.inputs = inputs;
        this.command = command;
        this.config = ModelDirectory.config(inputs.model());
        this.tokenizer = ModelDirectory.policyTokenizer(inputs.model(), config);
    }

    /** The policy's {@code config.json}. */
    public ModelConfig config() {
        return config;
    }

    /** The planner's sizes of {@code --model}, named by its folder, for a {@link MemoryCheck}. */
    public ModelShape shape() {
        return ModelShape.of(String.valueOf(inputs.model().getFileName()), config);
    }

    /** The tokenizer of {@code --model} under {@code limits}. */
    public ExampleTokenizer examples(TokenLimits limits) {
        return new ExampleTokenizer(tokenizer, limits);
    }

    /**
     * The prompts of {@code --data}, each keeping its last {@code n_positions - completionLength} tokens; refused when
     * the completions ({@code option}) leave no room for a prompt.
     */
    public Tokenized<int[]> prompts(int completionLength, String option) {
        int positions = config.maxPositions();
        if (completionLength >= positions) {
            throw new IllegalArgumentException(option + " " + completionLength + " leaves no room for a prompt in the model's "
                    + positions + " positions");
        }
        ExampleTokenizer examples = examples(new TokenLimits(positions - completionLength, positions, false));
        return report("prompts", inputs.data(), examples.prompts(JsonLines.readPrompts(inputs.data())));
    }

    /** Prints what tokenizing {@code file} gave, truncations included, and returns it. */
    public static <T> Tokenized<T> report(String what, Path file, Tokenized<T> data) {
        System.out.println(what + " " + file + ": " + data.summary());
        return data;
    }

    /** The {@code config.json} section of a data file: its path and {@link Tokenized#counts()}. */
    public static Map<String, Object> dataSection(Path file, Tokenized<?> data) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("file", file.toString());
        section.putAll(data.counts());
        return section;
    }

    /** Loads the policy from {@code --model}. */
    public CausalLM policy() {
        policy = ModelDirectory.model(inputs.model());
        return policy;
    }

    /** A reward model to train: {@code --model}'s trunk with a new score head drawn from {@code seed}; the LM is freed. */
    public RewardModel rewardModelToTrain(long seed) {
        CausalLM lm = ModelDirectory.model(inputs.model());
        try {
            trainedRewardModel = RewardModel.fromLm(lm, seed);
        } finally {
            lm.release();
        }
        return trainedRewardModel;
    }

    /** Loads the frozen reward model in {@code dir}, which must share the policy's tokenizer. */
    public RewardModel rewardModel(Path dir) {
        rewardModel = RewardModel.fromPretrained(dir);
        ModelDirectory.requireSameTokenizer(tokenizer, inputs.model(), config.vocabSize(), rewardModel.config().vocabSize(),
                "--reward-model", dir);
        return rewardModel;
    }

    /** Loads the reward model (if any) and the rule rewards of {@code spec}, with their weights. */
    public RewardSpec.Rewards rewards(RewardSpec spec) {
        List<NamedReward> rewards = new ArrayList<>();
        if (spec.model() != null) {
            rewards.add(new NamedReward("reward_model", rewardModel(spec.model())));
        }
        for (String name : spec.funcs()) {
            rewards.add(new NamedReward(name, new RuleReward(name, tokenizer)));
        }
        return new RewardSpec.Rewards(rewards, spec.weights(rewards.size()));
    }

    /**
     * The reference and the LoRA adapters, in the one order every strategy needs: a reference that copies the policy
     * is taken before the adapters are attached, so it holds the base model ({@code copy}, when given, builds it:
     * a synchronized reference, DPO's precomputed log-probs); then the adapters (A drawn from {@code seed}, B zero);
     * then a reference that reads them ({@code lora-disabled}) or {@code --model}'s file ({@code offloaded}).
     *
     * @param kind the strategy, or null for no reference
     * @param copy builds the reference from the policy before the adapters, or null to build {@code kind}'s
     * @param lora the adapters' configuration, or null to train every weight
     * @return the adapters, or null
     */
    public LoraModel referenceAndAdapters(ReferenceKind kind, Function<CausalLM, ReferenceModel> copy, LoraConfig lora, long seed) {
        if (kind != null) {
            reference = copy != null ? copy.apply(policy) : kind.copiesPolicy() ? References.build(kind, policy, inputs.model(), null) : null;
        }
        adapters = lora != null ? LoraModel.create(policy, lora, new TensorRandom(seed)) : null;
        if (kind != null && reference == null) {
            reference = References.build(kind, policy, inputs.model(), adapters);
        }
        return adapters;
    }

    /** The adapters attached by {@link #referenceAndAdapters}, or null. */
    public LoraModel adapters() {
        return adapters;
    }

    /** The reference built by {@link #referenceAndAdapters}, or null. */
    public ReferenceModel reference() {
        return reference;
    }

    /** PPO's critic: the reward model's trunk and score head, or a value head on the policy's trunk drawn from {@code seed}. */
    public Critic critic(CriticKind kind, long seed) {
        critic = kind == CriticKind.SEPARATE
                ? SeparateCritic.fromRewardModel(rewardModel.model(), rewardModel.namedParameters().get("score.weight"))
                : new SharedTrunkCritic(policy.config().hiddenSize(), policy.dtype(), new TensorRandom(seed), RewardModel.INITIALIZER_RANGE);
        return critic;
    }

    /** The run's Spark application once {@link #train} has started it; empty without {@code --master}. */
    public Optional<SparkCluster> cluster() {
        return cluster;
    }

    /**
     * Trains: starts Spark ({@code --master}), opens the run folder (or continues {@code --resume}'s), builds the
     * trainer with {@code trainer}, restores every part from the checkpoint a resumed run continues from, hands the
     * trainer its Spark gradients ({@code gradients}, null when it has none), runs it with a checkpoint every
     * {@code --save-steps} and at the end, frees it, checks the reference stayed frozen, saves the trained model and
     * prints the run's summary.
     *
     * @param sections the {@code config.json} sections after command, seed and model
     */
    public <T extends CheckpointedTrainer> void train(long seed, long totalSteps, Map<String, ?> sections, Function<TrainingRun, T> trainer,
                                                     BiFunction<SparkCluster, T, SparkGradients<?, ?>> gradients) {
        cluster = Optional.ofNullable(inputs.master()).map(master -> SparkCluster.start(master, "rlhf4j " + command));
        try (TrainingRun run = inputs.open(inputs.spec(command, seed, totalSteps), sections)) {
            T built = trainer.apply(run);
            TrainedWeights weights = trainedRewardModel != null ? new RewardModelWeights(trainedRewardModel) : new PolicyWeights(policy, adapters);
            List<Checkpointable> parts = reference != null ? List.of(weights, built, reference) : List.of(weights, built);
            try {
                // the models were built from --model; a checkpoint's state replaces theirs only now
                run.resumedFrom().ifPresent(c -> parts.forEach(part -> part.restoreState(c.dir())));
                if (cluster.isPresent() && gradients != null) {
                    this.gradients = gradients.apply(cluster.get(), built);
                }
                built.train(checkpoints(run, totalSteps, weights, parts));
                if (this.gradients != null) {
                    System.out.println(this.gradients.traffic());
                }
            } finally {
                built.release();
            }
            if (reference != null) {
                reference.verifyFrozen();
            }
            weights.saveTo(run, tokenizer);
            System.out.println(run.finish());
        }
    }

    /** After each step: on every {@code --save-steps}-th and the last, checks the weights are finite and saves every part. */
    private LongConsumer checkpoints(TrainingRun run, long totalSteps, TrainedWeights weights, List<Checkpointable> parts) {
        return step -> {
            if (inputs.checkpointDue(step, totalSteps)) {
                run.checkpoint(step, dir -> {
                    TrainerState.requireFinite("weight", weights.trained());
                    for (Checkpointable part : parts) {
                        part.saveState(dir);
                    }
                });
            }
        };
    }

    /** Frees what was built, in order: Spark's gradients and application, critic, reference, reward model, adapters, policy. */
    @Override
    public void close() {
        if (gradients != null) {
            gradients.close();
        }
        cluster.ifPresent(SparkCluster::close);
        if (critic != null) {
            critic.close();
        }
        if (reference != null) {
            reference.close();
        }
        if (rewardModel != null) {
            rewardModel.release();
        }
        if (adapters != null) {
            adapters.release();
        }
        if (policy != null) {
            policy.release();
        }
        if (trainedRewardModel != null) {
            trainedRewardModel.release();
        }
    }
}
