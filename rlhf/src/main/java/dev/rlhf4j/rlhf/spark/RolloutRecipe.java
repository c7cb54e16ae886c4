package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.LoraDisabledReference;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.rollout.RolloutModels;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an executor rebuilds the driver's rollout models: everything but the policy's trained weights, broadcast once per
 * run. The policy's architecture and type (and, with LoRA, its frozen base weights and the adapters' layout); each
 * reward as a reward model (architecture and weights) or as a {@link Serializable} function (the built-in rules are,
 * {@code RuleReward}); the reference as a frozen copy (its weights in their stored type: frozen, bf16, fp16), an
 * offloaded file (its bytes, written to a temporary file on the executor) or the policy with its adapters off.
 * A reference that follows the policy (synchronized, periodic) is refused: its weights change during the run.
 */
public record RolloutRecipe(ModelConfig policy, DType policyType, Lora lora, TensorSnapshot base, List<Reward> rewards,
                            Reference reference) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** {@link LoraConfig}'s fields. */
    public record Lora(int r, double loraAlpha, double loraDropout, ArrayList<String> targetModules, String targetRegex,
                       boolean useRslora, LinkedHashMap<String, Integer> rankPattern, LinkedHashMap<String, Double> alphaPattern,
                       String baseModelNameOrPath) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Lora of(LoraConfig c) {
            return new Lora(c.r(), c.loraAlpha(), c.loraDropout(), c.targetModules() == null ? null : new ArrayList<>(c.targetModules()),
                    c.targetRegex(), c.useRslora(), new LinkedHashMap<>(c.rankPattern()), new LinkedHashMap<>(c.alphaPattern()),
                    c.baseModelNameOrPath());
        }

        LoraConfig toConfig() {
            return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, useRslora, rankPattern, alphaPattern,
                    baseModelNameOrPath);
        }
    }

    /** A reward: a reward model ({@code config}, {@code type}, {@code padTokenId}, {@code weights}) or a serializable function. */
    public record Reward(String name, ModelConfig config, DType type, int padTokenId, TensorSnapshot weights, RewardFunction function)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** How the reference is held. */
    public enum ReferenceKind { NONE, COPY, OFFLOADED, LORA_DISABLED }

    /** The reference: its kind, and its stored weights (a copy) or its file's bytes (offloaded). */
    public record Reference(ReferenceKind kind, TensorSnapshot weights, byte[] file) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The recipe of the driver's {@code models}. */
    public static RolloutRecipe of(RolloutModels models) {
        Lora lora = models.lora() == null ? null : Lora.of(models.lora().config());
        TensorSnapshot base = models.lora() == null ? null : TensorSnapshot.of(0, models.policy().namedParameters());
        List<Reward> rewards = new ArrayList<>();
        for (NamedReward r : models.rewards()) {
            rewards.add(reward(r));
        }
        return new RolloutRecipe(models.policy().config(), models.policy().dtype(), lora, base, rewards,
                reference(models.reference()));
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

    private static Reference reference(ReferenceModel ref) {
        if (ref == null) {
            return new Reference(ReferenceKind.NONE, null, null);
        }
        if (ref instanceof FrozenCopyReference copy) {
            return new Reference(ReferenceKind.COPY, TensorSnapshot.of(0, copy.weights()), null);
        }
        if (ref instanceof OffloadedReference off) {
            try {
                return new Reference(ReferenceKind.OFFLOADED, null, Files.readAllBytes(off.file()));
            } catch (IOException e) {
                throw new UncheckedIOException("--master: cannot read the offloaded reference " + off.file() + ": " + e.getMessage(), e);
            }
        }
        if (ref instanceof LoraDisabledReference) {
            return new Reference(ReferenceKind.LORA_DISABLED, null, null);
        }
        throw new IllegalArgumentException("--master: the reference " + ref.getClass().getSimpleName() + " changes during the run and is"
                + " not sent to executors; use --reference frozen, bf16, fp16, offloaded or lora-disabled (and --sync-ref-model false)");
    }

    /** Bytes broadcast once per run: base weights, reward models, the reference. */
    public long bytes() {
        long n = base == null ? 0 : base.bytes();
        for (Reward r : rewards) {
            n += r.weights() == null ? 0 : r.weights().bytes();
        }
        n += reference.weights() == null ? 0 : reference.weights().bytes();
        return n + (reference.file() == null ? 0 : reference.file().length);
    }

    /** The trained tensors of {@code models} at {@code version}: the adapters with LoRA, else every policy weight. */
    public static TensorSnapshot trained(RolloutModels models, long version) {
        Map<String, dev.rlhf4j.core.Tensor> t = models.lora() != null ? models.lora().namedParameters() : models.policy().namedParameters();
        return TensorSnapshot.of(version, t);
    }
}
