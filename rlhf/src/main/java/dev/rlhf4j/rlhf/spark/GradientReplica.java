package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.ReferenceRecipe;
import dev.rlhf4j.rlhf.reward.BradleyTerryLoss;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoGradient;
import dev.rlhf4j.rlhf.train.DpoGradientShard;
import dev.rlhf4j.rlhf.train.DpoStep;
import dev.rlhf4j.rlhf.train.RewardGradientShard;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import dev.rlhf4j.rlhf.train.SftGradientShard;
import dev.rlhf4j.rlhf.train.SftTrainer;
import dev.rlhf4j.rlhf.train.StepObserver;
import java.io.Serializable;
import java.util.Map;
import java.util.function.Function;

/**
 * An executor's copy of what a trainer's shards run on: the parameters the driver's optimizer trains (by the driver's
 * names: every weight, or the LoRA factors), a shard's forward and backward on the models that own them, and how to
 * free those models. {@link SparkGradients} keeps one per task slot in {@link ReplicaPool}, copies the broadcast
 * trainable weights into {@link #trainable} when their version moves on, and reads the gradients off the same
 * parameters after {@link #backward}. The algorithms differ only in their {@link Recipe}: the models it builds and
 * which of the shard's methods runs on them, the trainer's own.
 *
 * @param <S> a shard
 * @param <M> its metric figures
 */
public final class GradientReplica<S, M> {
    private final Map<String, Tensor> trainable;
    private final Function<S, M> backward;
    private final Runnable release;

    GradientReplica(Map<String, Tensor> trainable, Function<S, M> backward, Runnable release) {
        this.trainable = trainable;
        this.backward = backward;
        this.release = release;
    }

    /**
     * How an executor builds a replica: a serializable value broadcast once per run (configs and frozen weights),
     * built only when the executor has no idle replica of the run.
     */
    public interface Recipe<S, M> extends Serializable {
        GradientReplica<S, M> build();

        /** The frozen weights it carries (a LoRA base, a reference), in bytes; none by default. */
        default long bytes() {
            return 0;
        }
    }

    /** The trained parameters, by the driver's names. */
    public Map<String, Tensor> trainable() {
        return trainable;
    }

    /** The shard's forward and backward: its gradient accumulates into {@link #trainable}. */
    public M backward(S shard) {
        return backward.apply(shard);
    }

    /** Frees the replica's models. */
    public void release() {
        release.run();
    }

    /** SFT: a policy whose every weight trains; a shard's backward is {@link SftGradientShard#backward}. */
    record Sft(PolicyRecipe policy, boolean completionOnlyLoss) implements Recipe<SftGradientShard, SftTrainer.Forward> {
        private static final long serialVersionUID = 1L;

        @Override
        public GradientReplica<SftGradientShard, SftTrainer.Forward> build() {
            CausalLM model = policy.policy();
            return new GradientReplica<>(model.namedParameters(), shard -> shard.backward(model, completionOnlyLoss), model::release);
        }
    }

    /**
     * Reward modelling: a reward model of the driver's shape (trunk and score head, rows padded with {@code padTokenId})
     * whose every weight trains; a shard's backward is {@link RewardGradientShard#backward}.
     */
    record Reward(ModelConfig config, DType type, int padTokenId, double centering, boolean disableDropout)
            implements Recipe<RewardGradientShard, RewardModelTrainer.Forward> {
        private static final long serialVersionUID = 1L;

        @Override
        public GradientReplica<RewardGradientShard, RewardModelTrainer.Forward> build() {
            RewardModel model = new RewardModel(config, type, padTokenId);
            BradleyTerryLoss loss = new BradleyTerryLoss(centering);
            return new GradientReplica<>(model.namedParameters(), shard -> shard.backward(model, loss, disableDropout), model::release);
        }
    }

    /**
     * DPO: the policy, trained through its adapters with LoRA, and the reference rebuilt from its recipe (none
     * without one); a shard's backward is {@link DpoGradient#step}.
     */
    record Dpo(PolicyRecipe policy, ReferenceRecipe reference, DpoConfig config) implements Recipe<DpoGradientShard, DpoStep> {
        private static final long serialVersionUID = 1L;

        @Override
        public GradientReplica<DpoGradientShard, DpoStep> build() {
            CausalLM model = policy.policy();
            LoraModel lora = policy.attach(model);
            ReferenceModel ref = reference == null ? null : reference.build(model, lora);
            DpoGradient gradient = new DpoGradient(model, lora != null ? lora : model, ref, config);
            Map<String, Tensor> trainable = lora != null ? lora.namedParameters() : model.namedParameters();
            return new GradientReplica<>(trainable, shard -> gradient.step(shard, StepObserver.NONE), () -> {
                if (ref != null) {
                    ref.close();
                }
                if (lora != null) {
                    lora.release();
                }
                model.release();
            });
        }

        @Override
        public long bytes() {
            return policy.bytes() + (reference == null ? 0 : reference.bytes());
        }
    }
}
