package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.reward.BradleyTerryLoss;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.train.RewardConfig;
import dev.rlhf4j.rlhf.train.RewardGradientShard;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import java.util.Map;

/**
 * An executor's reward model: a {@code GPT2ForSequenceClassification} of the driver's shape (trunk and score head)
 * whose every weight is trainable, so each optimizer step's broadcast carries the whole model. A shard's backward
 * is {@link RewardGradientShard#backward}, the trainer's own.
 */
public final class RewardGradientReplica implements GradientReplica<RewardGradientShard, RewardModelTrainer.Forward> {
    private final RewardModel model;
    private final BradleyTerryLoss loss;
    private final boolean disableDropout;

    private RewardGradientReplica(RewardModel model, BradleyTerryLoss loss, boolean disableDropout) {
        this.model = model;
        this.loss = loss;
        this.disableDropout = disableDropout;
    }

    /**
     * What an executor needs to build the replica: the trunk's shape, the pad id the rows are padded with, the loss's
     * centering coefficient and whether dropout is off.
     */
    public record Recipe(GradientModel model, int padTokenId, double centering, boolean disableDropout)
            implements GradientReplica.Recipe<RewardGradientShard, RewardModelTrainer.Forward> {
        private static final long serialVersionUID = 1L;

        @Override
        public GradientReplica<RewardGradientShard, RewardModelTrainer.Forward> build() {
            return new RewardGradientReplica(new RewardModel(model.config(), model.type(), padTokenId), new BradleyTerryLoss(centering),
                    disableDropout);
        }
    }

    /** The reward-model shards of {@code model} trained with {@code config}, computed on {@code cluster}'s executors; close it when the run ends. */
    public static SparkGradients<RewardGradientShard, RewardModelTrainer.Forward> on(SparkCluster cluster, RewardModel model,
                                                                                     RewardConfig config) {
        Recipe recipe = new Recipe(GradientModel.of(model.config(), model.dtype()), model.padTokenId(), config.centering(),
                config.disableDropout());
        return new SparkGradients<>(cluster, model.namedParameters(), recipe, "reward-model");
    }

    @Override
    public Map<String, Tensor> trainable() {
        return model.namedParameters();
    }

    @Override
    public RewardModelTrainer.Forward run(RewardGradientShard shard) {
        return shard.backward(model, loss, disableDropout);
    }

    @Override
    public void release() {
        model.release();
    }
}
