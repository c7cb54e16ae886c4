package dev.rlhf4j.rlhf.train;

import java.io.Serializable;
import java.util.List;

/**
 * Where the shards of an optimizer step are computed: {@link LocalGradients} one after the other in this process,
 * {@code rlhf.spark.SparkGradients} on a Spark cluster's executors. Either way a shard's result depends only on the
 * shard and the weights, and the results come back in shard order, so the trainer sums them ({@link ShardGradient#sumInto})
 * into the same gradient wherever they were computed.
 *
 * @param <S> a shard: the micro-batch's examples and what its loss needs from the whole step
 * @param <M> the shard's metric figures
 */
public interface GradientShards<S extends Serializable, M extends Serializable> extends AutoCloseable {

    /**
     * The gradient of each shard at the trainable weights as they are now, which are those of optimizer step
     * {@code version} (a distributed implementation sends the weights only when the version moves on).
     *
     * @return one result per shard, in the order of {@code shards}
     */
    List<ShardGradient<M>> compute(long version, List<S> shards);

    /** Frees what the implementation holds (broadcasts, replicas); the local one holds nothing. */
    @Override
    default void close() {
    }
}
