package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.ReferenceRecipe;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.rollout.RolloutModels;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How an executor rebuilds the driver's rollout models: everything but the policy's trained weights, broadcast once per
 * run. The policy's shape ({@link PolicyRecipe}: with LoRA, its frozen base weights and the adapters' layout); each
 * reward as a reward model (architecture and weights) or as a {@link Serializable} function (the built-in rules are,
 * {@code RuleReward}); the reference as its own {@link ReferenceRecipe} (none when the rollout needs no reference).
 * A reference that follows the policy (synchronized, periodic) has no recipe: its weights change during the run.
 */
public record RolloutRecipe(PolicyRecipe policy, List<Reward> rewards, ReferenceRecipe reference) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A reward: a reward model ({@code config}, {@code type}, {@code padTokenId}, {@code weights}) or a serializable function. */
    public record Reward(String name, ModelConfig config, DType type, int padTokenId, TensorSnapshot weights, RewardFunction function)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The recipe of the driver's {@code models}. */
    public static RolloutRecipe of(RolloutModels models) {
        List<Reward> rewards = new ArrayList<>();
        for (NamedReward r : models.rewards()) {
            rewards.add(reward(r));
        }
        return new RolloutRecipe(PolicyRecipe.of(models.policy(), models.lora()), rewards,
                models.reference() == null ? null : models.reference().recipe());
    }

    private static Reward reward(NamedReward r) {
        if (r.function() instanceof RewardModel m) {
            return new Reward(r.name(), m.config(), m.dtype(), m.padTokenId(), TensorSnapshot.of(0, m.namedParameters()), null);
        }
        if (r.function() instanceof Serializable) {
            return new Reward(r.name(), null, null, 0, null, r.function());
        }
        throw new IllegalArgumentException("--master: reward '" + r.name() + "' cannot be rebuilt on an executor: use a reward model,"
                + " a built-in rule (--reward-funcs) or a RewardFunction that is Serializable");
    }

    /** Bytes broadcast once per run: base weights, reward models, the reference. */
    public long bytes() {
        long n = policy.bytes();
        for (Reward r : rewards) {
            n += r.weights() == null ? 0 : r.weights().bytes();
        }
        return n + (reference == null ? 0 : reference.bytes());
    }

    /** The trained tensors of {@code models} at {@code version}: the adapters with LoRA, else every policy weight. */
    public static TensorSnapshot trained(RolloutModels models, long version) {
        Map<String, Tensor> t = models.lora() != null ? models.lora().namedParameters() : models.policy().namedParameters();
        return TensorSnapshot.of(version, t);
    }
}
