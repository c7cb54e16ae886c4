package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.reward.RuleRewards;
import dev.rlhf4j.rlhf.rollout.RuleReward;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The rewards of {@code grpo} and {@code rloo} (TRL's {@code reward_funcs} and {@code reward_weights}), as a picocli
 * mixin: a trained reward model ({@code --reward-model DIR}, logged as {@code reward_model}) and/or built-in rule
 * rewards by name ({@code --reward-funcs length,eos}, see {@link RuleRewards}), combined as
 * {@code r = sum_k w_k r_k} with {@code --reward-weights} (default: all 1), in that order: the model first. The rules are
 * {@link RuleReward}s, which executors rebuild by name with {@code --master}.
 */
final class RewardOptions {
    @Option(names = "--reward-model", converter = InputPaths.Directory.class, paramLabel = "DIR",
            description = "a reward model (GPT2ForSequenceClassification folder, e.g. a reward run's model/), logged as reward_model")
    Path rewardModel;

    @Option(names = "--reward-funcs", split = ",", paramLabel = "NAME",
            description = "built-in rule rewards on the decoded text: length (completion characters / 100), eos (1 if the completion"
                    + " ended with the end-of-text token); comma-separated")
    List<String> rewardFuncs = new ArrayList<>();

    @Option(names = "--reward-weights", split = ",", paramLabel = "W",
            description = "one weight per reward, the reward model first (TRL's reward_weights; default: all 1)")
    List<Double> rewardWeights;

    private RewardModel model;

    /** The rewards and their weights. */
    record Rewards(List<NamedReward> rewards, double[] weights) {
    }

    /** Refuses an empty set of rewards, an unknown rule or a weight count that does not match; loads nothing. */
    void check() {
        if (rewardModel == null && rewardFuncs.isEmpty()) {
            throw new IllegalArgumentException("no reward: give --reward-model DIR and/or --reward-funcs NAME[,NAME...]; the built-in rules"
                    + " are " + RuleRewards.all().keySet());
        }
        for (String name : rewardFuncs) {
            RuleRewards.named(name);
        }
        int count = count();
        if (rewardWeights != null && rewardWeights.size() != count) {
            throw new IllegalArgumentException("--reward-weights has " + rewardWeights.size() + " weights for " + count + " rewards");
        }
    }

    private int count() {
        return (rewardModel != null ? 1 : 0) + rewardFuncs.size();
    }

    /** Loads the reward model (if any) and the named rules, after {@link #check}. */
    Rewards load(CausalLM policy, Path policyDir, Gpt2Tokenizer tokenizer) {
        check();
        List<NamedReward> rewards = new ArrayList<>();
        int count = count();
        if (rewardModel != null) {
            model = RewardModel.fromPretrained(rewardModel);
            TrainingOptions.requireSameTokenizer(tokenizer, policyDir, policy.config().vocabSize(), model.config().vocabSize(),
                    "--reward-model", rewardModel);
            rewards.add(new NamedReward("reward_model", model));
        }
        for (String name : rewardFuncs) {
            rewards.add(new NamedReward(name, new RuleReward(name, tokenizer)));
        }
        double[] weights = new double[count];
        for (int k = 0; k < count; k++) {
            weights[k] = rewardWeights == null ? 1.0 : rewardWeights.get(k);
        }
        return new Rewards(rewards, weights);
    }

    /** The {@code config.json} section: the reward model, the rules and the weights. */
    Map<String, Object> section(Rewards r) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("reward_model", rewardModel == null ? null : rewardModel.toString());
        s.put("reward_funcs", r.rewards().stream().map(NamedReward::name).toList());
        s.put("reward_weights", r.weights());
        return s;
    }

    /** Frees the reward model, if one was loaded. */
    void release() {
        if (model != null) {
            model.release();
            model = null;
        }
    }
}
