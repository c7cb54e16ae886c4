package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.train.SftGradientShard;
import dev.rlhf4j.rlhf.train.SftTrainer;
import java.util.Map;

/**
 * An executor's SFT policy: a GPT-2 of the driver's shape whose every weight is trainable, so each optimizer step's
 * broadcast carries the whole model. A shard's backward is {@link SftGradientShard#backward}, the trainer's own.
 */
public final class SftGradientReplica implements GradientReplica<SftGradientShard, SftTrainer.Forward> {
    private final CausalLM model;
    private final boolean completionOnlyLoss;

    private SftGradientReplica(CausalLM model, boolean completionOnlyLoss) {
        this.model = model;
        this.completionOnlyLoss = completionOnlyLoss;
    }

    /** What an executor needs to build the replica of {@code policy}: its shape and the loss's one switch. */
    public record Recipe(GradientModel model, boolean completionOnlyLoss)
            implements GradientReplica.Recipe<SftGradientShard, SftTrainer.Forward> {
        private static final long serialVersionUID = 1L;

        @Override
        public GradientReplica<SftGradientShard, SftTrainer.Forward> build() {
            return new SftGradientReplica(model.policy(), completionOnlyLoss);
        }
    }

    /** SFT's shards of {@code policy} computed on {@code cluster}'s executors; close it when the run ends. */
    public static SparkGradients<SftGradientShard, SftTrainer.Forward> on(SparkCluster cluster, CausalLM policy,
                                                                           boolean completionOnlyLoss) {
        return new SparkGradients<>(cluster, policy.namedParameters(), new Recipe(GradientModel.of(policy, null), completionOnlyLoss),
                "sft-policy");
    }

    @Override
    public Map<String, Tensor> trainable() {
        return model.namedParameters();
    }

    @Override
    public SftTrainer.Forward run(SftGradientShard shard) {
        return shard.backward(model, completionOnlyLoss);
    }

    @Override
    public void release() {
        model.release();
    }
}
