package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.Tensor;
import java.io.Serializable;
import java.util.Map;

/**
 * An executor's copy of what a trainer's shard needs: the policy (with its adapters), the reference, and the
 * shard's forward and backward on them. {@link SparkGradients} keeps one per task slot in {@link ReplicaPool},
 * copies the broadcast trainable weights into {@link #trainable} when their version moves on, and reads the
 * gradients off the same parameters after {@link #run}.
 *
 * @param <S> a shard
 * @param <M> its metric figures
 */
public interface GradientReplica<S, M> {

    /** The parameters the driver's optimizer trains, by the driver's names (the LoRA factors, or every weight). */
    Map<String, Tensor> trainable();

    /** The shard's forward and backward: its gradient accumulates into {@link #trainable}. */
    M run(S shard);

    /** Frees the replica's models. */
    void release();

    /**
     * How an executor builds a replica: a small serializable value sent with every task (configs and broadcast
     * handles, never a model), called only when the executor has no idle replica of the run.
     */
    interface Recipe<S, M> extends Serializable {
        GradientReplica<S, M> build();
    }
}
