package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The shards of a step computed one after the other on the trainer's own model: each from zeroed gradients, copied
 * out, as an executor does it. The single-process run goes through this path so that it adds exactly the numbers a
 * distributed run adds.
 *
 * @param <S> a shard
 * @param <M> its metric figures
 */
public final class LocalGradients<S extends Serializable, M extends Serializable> implements GradientShards<S, M> {
    private final Map<String, Tensor> trainable;
    private final Function<S, M> forwardBackward;

    /**
     * @param trainable       the parameters the optimizer trains, by name
     * @param forwardBackward a shard's forward and backward on the model that owns {@code trainable}
     */
    public LocalGradients(Map<String, Tensor> trainable, Function<S, M> forwardBackward) {
        this.trainable = trainable;
        this.forwardBackward = forwardBackward;
    }

    @Override
    public List<ShardGradient<M>> compute(long version, List<S> shards) {
        List<ShardGradient<M>> out = new ArrayList<>(shards.size());
        for (S shard : shards) {
            out.add(ShardGradient.compute(trainable, () -> forwardBackward.apply(shard)));
        }
        return out;
    }
}
