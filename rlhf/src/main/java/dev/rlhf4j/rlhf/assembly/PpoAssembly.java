package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.spark.SparkRollouts;
import dev.rlhf4j.rlhf.train.Critic;
import dev.rlhf4j.rlhf.train.PpoTrainer;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code ppo} run ({@link PpoTrainer}) on {@code {"prompt"}} lines, each keeping its last
 * {@code n_positions - response_length} tokens. Its four models: the actor (optionally through LoRA), the frozen reward
 * model, the critic ({@link CriticKind}) and the reference. With {@code --master} the rollouts (generation, reward,
 * reference) run on Spark ({@link SparkRollouts}).
 */
public final class PpoAssembly {
    private PpoAssembly() {
    }

    /**
     * Trains.
     *
     * @param rewardModelDir the reward model: a {@code GPT2ForSequenceClassification} folder
     * @param lora           the actor's LoRA adapters, or null to train every weight
     */
    public static void train(RunInputs inputs, PpoTrainerConfig config, Path rewardModelDir, CriticKind criticKind, ReferenceKind kind,
                             LoraConfig lora) {
        kind.requireLive("PPO");
        kind.check(lora != null);
        try (Assembly a = new Assembly(inputs, "ppo")) {
            Tokenized<int[]> prompts = a.prompts(config.rollout().responseLength(), "--response-length");
            new MemoryCheck("ppo", Workload.Algorithm.PPO, a.shape(), kind, lora == null ? 0 : lora.r(), true, true,
                    config.batches().batchSize(), MemoryCheck.longest(prompts.examples()) + config.rollout().responseLength(),
                    "--per-device-train-batch-size x --gradient-accumulation-steps x --num-mini-batches (the rollout batch) or"
                            + " --response-length").require(MemoryLimits.current());
            CausalLM actor = a.policy();
            RewardModel rewards = a.rewardModel(rewardModelDir);
            LoraModel adapters = a.referenceAndAdapters(kind, null, lora, config.batches().seed());
            Critic critic = a.critic(criticKind, config.batches().seed());
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            Map<String, Object> models = new LinkedHashMap<>();           // ordered: config.json is the same bytes every run
            models.put("reward_model", rewardModelDir.toString());
            models.put("critic", criticKind.name().toLowerCase(Locale.ROOT));
            models.put("reference", kind.toString());
            sections.put("models", models);
            sections.put("lora", lora);
            sections.put("data", Assembly.dataSection(inputs.data(), prompts));
            a.train(config.batches().seed(), config.batches().iterations(prompts.size()), sections, run -> {
                PpoTrainer trainer = new PpoTrainer(actor, adapters, critic, a.reference(), rewards, prompts.examples(), config, run.sink());
                a.cluster().ifPresent(c -> trainer.rollouts(SparkRollouts.on(c)));
                return trainer;
            }, null);
        }
    }
}
