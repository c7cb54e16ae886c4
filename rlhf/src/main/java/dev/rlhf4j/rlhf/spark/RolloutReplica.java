package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.rollout.RolloutModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An executor's copy of the rollout models, built once from a {@link RolloutRecipe} and kept in {@link ReplicaPool}:
 * the policy (its weights refreshed from each iteration's broadcast, {@link #refresh}), its LoRA adapters, the rewards
 * and the reference. In eval mode, as the driver's.
 */
final class RolloutReplica {
    private final CausalLM policy;
    private final LoraModel lora;
    private final List<RewardModel> rewardModels = new ArrayList<>();
    private final RolloutModels models;

    RolloutReplica(RolloutRecipe recipe) {
        policy = recipe.policy().policy();
        policy.eval();
        lora = recipe.policy().attach(policy);
        if (lora != null) {
            lora.eval();
        }
        List<NamedReward> rewards = new ArrayList<>();
        for (RolloutRecipe.Reward r : recipe.rewards()) {
            if (r.function() != null) {
                rewards.add(new NamedReward(r.name(), r.function()));
                continue;
            }
            RewardModel m = new RewardModel(r.config(), r.type(), r.padTokenId());
            r.weights().copyInto(m.namedParameters(), "the executor's reward model '" + r.name() + "'");
            m.eval();
            rewardModels.add(m);
            rewards.add(new NamedReward(r.name(), m));
        }
        ReferenceModel reference = recipe.reference() == null ? null : recipe.reference().build(policy, lora);
        models = new RolloutModels(policy, lora, rewards, reference);
    }

    RolloutModels models() {
        return models;
    }

    /** Copies the policy's trained tensors (the adapters with LoRA) of the broadcast in. */
    void refresh(TensorSnapshot trained) {
        Map<String, Tensor> targets = lora != null ? lora.namedParameters() : policy.namedParameters();
        trained.copyInto(targets, "the executor's policy");
    }

    /** Frees every model of the replica. */
    void release() {
        if (models.reference() != null) {
            models.reference().close();
        }
        rewardModels.forEach(RewardModel::release);
        if (lora != null) {
            lora.release();
        }
        policy.release();
    }
}
