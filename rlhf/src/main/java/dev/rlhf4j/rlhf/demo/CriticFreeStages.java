package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.Progress;
import dev.rlhf4j.rlhf.train.CheckpointedTrainer;
import dev.rlhf4j.rlhf.train.GrpoConfig;
import dev.rlhf4j.rlhf.train.GrpoTrainer;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.rlhf.train.RlooConfig;
import dev.rlhf4j.rlhf.train.RlooTrainer;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The demo's critic-free stages: GRPO and RLOO, each from a copy of the SFT model against the same reward model
 * ({@link GoldWatch}, so the gold reward of the rollouts is noted beside the score the trainer receives) and the SFT
 * model as frozen reference, on the prompts the caller gives (the demo: PPO's, continued by the same seed). Both hold no critic; both sample {@code groupSize}
 * completions per prompt and train on the group's relative rewards.
 *
 * <p>Their KL curve is in nats per completion, as PPO's: RLOO's {@code kl} already is (the sequence-level penalty's
 * sum over tokens); GRPO logs the mean per-token k3, so its curve is that times the mean completion length.
 */
final class CriticFreeStages {
    /** A trained policy and its curves per step. */
    record Run(CausalLM policy, DemoCurves.Online curves) {
    }

    private final DemoSettings settings;
    private final long seed;
    private final DemoPipeline.Console console;
    private final Gpt2Tokenizer tokenizer;
    private final List<int[]> prompts;

    CriticFreeStages(DemoSettings settings, long seed, DemoPipeline.Console console, Gpt2Tokenizer tokenizer, List<String> prompts) {
        this.settings = settings;
        this.seed = seed;
        this.console = console;
        this.tokenizer = tokenizer;
        this.prompts = prompts.stream().map(tokenizer::encode).toList();
    }

    /** GRPO with TRL's defaults but for the sizes, the learning rate and beta of the settings. */
    Run grpo(String label, CausalLM sft, RewardModel rewardModel, ReferenceModel reference) {
        DemoSettings s = settings;
        int completions = s.groupPrompts() * s.groupSize();
        GrpoConfig config = GrpoConfig.trlDefaults().toBuilder().learningRate(s.grpoLr())
                .perDeviceTrainBatchSize(completions / 2).gradientAccumulationSteps(2).numGenerations(s.groupSize())
                .maxSteps(s.groupSteps()).seed(seed).maxCompletionLength(s.maxNewTokens()).beta(s.groupBeta()).build();
        return train("grpo", label, sft, rewardModel, (policy, reward, sink) -> new GrpoTrainer(policy, null, reference, reward,
                new double[] {1}, prompts, config, sink), m -> m.get("kl") * m.get("completions/mean_length"));
    }

    /** RLOO with TRL's defaults but for the sizes, the learning rate and beta of the settings. */
    Run rloo(String label, CausalLM sft, RewardModel rewardModel, ReferenceModel reference) {
        DemoSettings s = settings;
        int completions = s.groupPrompts() * s.groupSize();
        RlooConfig config = RlooConfig.trlDefaults().toBuilder().learningRate(s.rlooLr())
                .perDeviceTrainBatchSize(completions / 2).gradientAccumulationSteps(2).numGenerations(s.groupSize())
                .maxSteps(s.groupSteps()).seed(seed + 1).maxCompletionLength(s.maxNewTokens()).beta(s.groupBeta()).build();
        return train("rloo", label, sft, rewardModel, (policy, reward, sink) -> new RlooTrainer(policy, null, reference, reward,
                new double[] {1}, prompts, config, sink), m -> m.get("kl"));
    }

    /** Builds a trainer on the policy, its one reward and the sink. */
    private interface Factory {
        CheckpointedTrainer create(CausalLM policy, List<NamedReward> reward, MetricsSink sink);
    }

    private Run train(String method, String label, CausalLM sft, RewardModel rewardModel, Factory factory,
                      ToDoubleFunction<Map<String, Double>> klPerCompletion) {
        CausalLM policy = sft.deepCopy();
        GoldWatch watched = new GoldWatch(rewardModel, tokenizer);
        List<Double> proxy = new ArrayList<>();
        List<Double> gold = new ArrayList<>();
        List<Double> kl = new ArrayList<>();
        CheckpointedTrainer trainer = null;
        try (Progress bar = console.progress(label, settings.groupSteps())) {
            trainer = factory.create(policy, List.of(new NamedReward("reward_model", watched)), bar.andThen((step, m) -> {
                proxy.add(m.get("reward"));
                gold.add(watched.lastMeanGold());
                kl.add(klPerCompletion.applyAsDouble(m));
            }));
            trainer.train(step -> { });
        } finally {
            if (trainer != null) {
                trainer.release();
            }
        }
        int last = proxy.size() - 1;
        console.result(String.format(Locale.ROOT, "%s: %d steps of %d prompts x %d completions, no critic; reward-model score"
                + " %.2f -> %.2f, gold %.2f -> %.2f, KL %.2f nats", label, proxy.size(), settings.groupPrompts(), settings.groupSize(),
                proxy.get(0), proxy.get(last), gold.get(0), gold.get(last), kl.get(last)));
        return new Run(policy, new DemoCurves.Online(method, unbox(proxy), unbox(gold), unbox(kl)));
    }

    private static double[] unbox(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
