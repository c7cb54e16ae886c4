package dev.rlhf4j.rlhf.reward;

/**
 * A reward function under the name its metrics are logged as ({@code rewards/<name>/mean}, {@code rewards/<name>/std}):
 * GRPO and RLOO combine several, each scaled by its weight (TRL's {@code reward_funcs} and {@code reward_weights}).
 */
public record NamedReward(String name, RewardFunction function) {
    public NamedReward {
        if (name == null || name.isBlank() || function == null) {
            throw new IllegalArgumentException("a reward needs a name and a function, got '" + name + "'");
        }
    }
}
