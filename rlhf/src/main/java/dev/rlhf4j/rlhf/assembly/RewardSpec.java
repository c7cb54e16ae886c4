package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RuleRewards;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rewards of {@code grpo} and {@code rloo} (TRL's {@code reward_funcs} and {@code reward_weights}): a trained reward
 * model and/or built-in rule rewards by name ({@link RuleRewards}), combined as {@code r = sum_k w_k r_k} in that
 * order, the model first. Checked when made; {@link Assembly#rewards} loads them.
 *
 * @param model   the reward model's folder, logged as {@code reward_model}; null for rules alone
 * @param funcs   the rule rewards' names
 * @param weights one weight per reward, the model first; null for all 1
 */
public record RewardSpec(Path model, List<String> funcs, List<Double> weights) {
    public RewardSpec {
        funcs = List.copyOf(funcs);
        if (model == null && funcs.isEmpty()) {
            throw new IllegalArgumentException("no reward: give --reward-model DIR and/or --reward-funcs NAME[,NAME...]; the built-in rules"
                    + " are " + RuleRewards.all().keySet());
        }
        for (String name : funcs) {
            RuleRewards.named(name);
        }
        int count = (model != null ? 1 : 0) + funcs.size();
        if (weights != null && weights.size() != count) {
            throw new IllegalArgumentException("--reward-weights has " + weights.size() + " weights for " + count + " rewards");
        }
    }

    /** The loaded rewards and their weights. */
    public record Rewards(List<NamedReward> rewards, double[] weights) {
    }

    /** The weight of each of {@code count} rewards. */
    double[] weights(int count) {
        double[] w = new double[count];
        for (int k = 0; k < count; k++) {
            w[k] = weights == null ? 1.0 : weights.get(k);
        }
        return w;
    }

    /** The {@code config.json} section: the reward model, the rewards' names and the weights. */
    Map<String, Object> section(Rewards r) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("reward_model", model == null ? null : model.toString());
        s.put("reward_funcs", r.rewards().stream().map(NamedReward::name).toList());
        s.put("reward_weights", r.weights());
        return s;
    }
}
