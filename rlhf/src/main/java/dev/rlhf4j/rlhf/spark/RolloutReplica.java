package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.HalfPrecisionReference;
import dev.rlhf4j.rlhf.reference.LoraDisabledReference;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.rollout.RolloutModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private final Path offloaded;

    RolloutReplica(RolloutRecipe recipe) {
        policy = AutoModel.create(recipe.policy(), recipe.policyType());
        policy.eval();
        lora = recipe.lora() == null ? null : LoraModel.create(policy, recipe.lora().toConfig(), new TensorRandom(0));
        if (lora != null) {
            lora.eval();
            recipe.base().copyInto(policy.namedParameters(), "the executor's policy (base weights)");
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
        Path file = null;
        ReferenceModel reference = switch (recipe.reference().kind()) {
            case NONE -> null;
            case COPY -> copy(recipe);
            case LORA_DISABLED -> LoraDisabledReference.of(policy, lora);
            case OFFLOADED -> {
                file = temporary(recipe.reference().file());
                yield OffloadedReference.open(file, policy.config(), policy.dtype());
            }
        };
        offloaded = file;
        models = new RolloutModels(policy, lora, rewards, reference);
    }

    /** A frozen copy in the stored type of the driver's (its weights arrive in that type, so the copy is exact). */
    private static ReferenceModel copy(RolloutRecipe recipe) {
        TensorSnapshot weights = recipe.reference().weights();
        CausalLM stored = AutoModel.create(recipe.policy(), weights.entries().get(0).type());
        try {
            weights.copyInto(stored.namedParameters(), "the executor's reference");
            return stored.dtype().isHalf() ? HalfPrecisionReference.of(stored, stored.dtype()) : new FrozenCopyReference(stored);
        } finally {
            stored.release();
        }
    }

    private static Path temporary(byte[] bytes) {
        try {
            Path file = Files.createTempFile("rlhf4j-reference-", ".safetensors");
            Files.write(file, bytes);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("an executor cannot write the offloaded reference to a temporary file: " + e.getMessage(), e);
        }
    }

    RolloutModels models() {
        return models;
    }

    /** Copies the policy's trained tensors (the adapters with LoRA) of the broadcast in. */
    void refresh(TensorSnapshot trained) {
        Map<String, dev.rlhf4j.core.Tensor> targets = lora != null ? lora.namedParameters() : policy.namedParameters();
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
        if (offloaded != null) {
            try {
                Files.deleteIfExists(offloaded);
            } catch (IOException e) {
                // the JVM deletes it on exit
            }
        }
    }
}
