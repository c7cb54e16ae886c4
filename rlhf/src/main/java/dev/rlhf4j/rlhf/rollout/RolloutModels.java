package dev.rlhf4j.rlhf.rollout;

import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import java.util.List;

/**
 * The models a rollout shard runs: the policy (with its LoRA adapters, or null), the rewards in order, and the
 * reference (null when none is needed). On the driver they are the trainer's own; on an executor, a replica's.
 */
public record RolloutModels(CausalLM policy, LoraModel lora, List<NamedReward> rewards, ReferenceModel reference) {
    public RolloutModels {
        if (policy == null || rewards == null || rewards.isEmpty()) {
            throw new IllegalArgumentException("RolloutModels: a rollout needs a policy and at least one reward");
        }
        rewards = List.copyOf(rewards);
    }

    /** The rewards' names, in order (the keys of {@link RolloutOutcome#scores}). */
    public List<String> rewardNames() {
        return rewards.stream().map(NamedReward::name).toList();
    }
}
