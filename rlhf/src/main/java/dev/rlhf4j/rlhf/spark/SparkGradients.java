package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoGradientShard;
import dev.rlhf4j.rlhf.train.DpoStep;
import dev.rlhf4j.rlhf.train.GradientShards;
import dev.rlhf4j.rlhf.train.RewardConfig;
import dev.rlhf4j.rlhf.train.RewardGradientShard;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import dev.rlhf4j.rlhf.train.ShardGradient;
import dev.rlhf4j.rlhf.train.SftGradientShard;
import dev.rlhf4j.rlhf.train.SftTrainer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * Data-parallel gradients on a Spark cluster: the shards of an optimizer step (its micro-batches) run as tasks on
 * the executors and their gradients come back to the driver, which sums them in shard order, clips and takes the
 * one AdamW step ({@link ShardGradient#sumInto}, the trainer's code, the same as without Spark).
 * <pre>
 *   driver     broadcast trainable weights, version = optimizer step     (only when the version moved on)
 *   executor   replica.trainable <- weights (if its version differs);  g_k, metrics_k = shard k's backward
 *   driver     collect (k, g_k, metrics_k), order by k                    (trainable bytes per shard)
 * </pre>
 * Per step, the broadcast carries the trainable weights once (all of a full model's, or only the LoRA factors) and
 * every shard returns a gradient of the same size; what is frozen (a LoRA base, a reference's weights) travels once
 * per run inside the replica's {@link GradientReplica.Recipe}, broadcast when the run starts. A shard's result does not depend on the partitioning
 * or the order tasks finish in. It does depend on the native thread count its backward ran with (ND4J's parallel
 * reductions split their sums by thread): executor threads ({@code local[n]}) share the driver's and always give the
 * single-process run's bits; executor JVMs give them when their {@code OMP_NUM_THREADS} and
 * {@code OPENBLAS_NUM_THREADS} equal the driver's (measured on a 7M-parameter GPT-2: equal with 1 everywhere,
 * different gradient norms with 2 on the driver and 1 on the executors).
 *
 * @param <S> a shard
 * @param <M> its metric figures
 */
public final class SparkGradients<S extends Serializable, M extends Serializable> implements GradientShards<S, M> {
    private final SparkCluster cluster;
    private final Map<String, Tensor> trainable;
    private final Broadcast<GradientReplica.Recipe<S, M>> recipe;
    private final long frozenBytes;
    private final String key;
    private Broadcast<TensorSnapshot> weights;
    private long sentBytes;
    private long broadcasts;
    private long shardsRun;
    private long gradientBytes;

    /**
     * @param trainable the driver's trainable parameters (read at each new version)
     * @param recipe    how executors build their replica; broadcast now, freed at {@link #close}
     * @param role      names the replicas in {@link ReplicaPool} ({@code "sft-policy"}); each instance gets keys of
     *                  its own, so that a second run in the same application never finds the first one's replicas
     */
    SparkGradients(SparkCluster cluster, Map<String, Tensor> trainable, GradientReplica.Recipe<S, M> recipe, String role) {
        this.cluster = cluster;
        this.trainable = trainable;
        this.recipe = cluster.context().broadcast(recipe);
        this.frozenBytes = recipe.bytes();
        this.key = cluster.replicaKey(role + "/" + java.util.UUID.randomUUID());
    }

    /** SFT's shards of {@code policy}, every weight trained, computed on {@code cluster}'s executors; close it when the run ends. */
    public static SparkGradients<SftGradientShard, SftTrainer.Forward> sft(SparkCluster cluster, CausalLM policy, boolean completionOnlyLoss) {
        return new SparkGradients<>(cluster, policy.namedParameters(),
                new GradientReplica.Sft(PolicyRecipe.of(policy, null), completionOnlyLoss), "sft-policy");
    }

    /** The reward-model shards of {@code model} trained with {@code config}, computed on {@code cluster}'s executors. */
    public static SparkGradients<RewardGradientShard, RewardModelTrainer.Forward> reward(SparkCluster cluster, RewardModel model,
                                                                                         RewardConfig config) {
        return new SparkGradients<>(cluster, model.namedParameters(), new GradientReplica.Reward(model.config(), model.dtype(),
                model.padTokenId(), config.centering(), config.disableDropout()), "reward-model");
    }

    /**
     * DPO's shards for a trainer of {@code policy} (through {@code lora} when not null) against {@code reference} (null
     * for none), computed on {@code cluster}'s executors, each rebuilding the reference from its recipe.
     *
     * @throws IllegalArgumentException for a reference that moves during the run ({@link ReferenceModel#recipe})
     */
    public static SparkGradients<DpoGradientShard, DpoStep> dpo(SparkCluster cluster, CausalLM policy, LoraModel lora,
                                                                ReferenceModel reference, DpoConfig config) {
        GradientReplica.Dpo recipe = new GradientReplica.Dpo(PolicyRecipe.of(policy, lora),
                reference == null ? null : reference.recipe(), config);
        return new SparkGradients<>(cluster, lora != null ? lora.namedParameters() : policy.namedParameters(), recipe, "dpo-policy");
    }

    @Override
    public List<ShardGradient<M>> compute(long version, List<S> shards) {
        if (weights == null || weights.value().version() != version) {
            if (weights != null) {
                weights.destroy();
            }
            TensorSnapshot snapshot = TensorSnapshot.of(version, trainable);
            sentBytes += snapshot.bytes();
            broadcasts++;
            weights = cluster.context().broadcast(snapshot);
        }
        List<Tuple2<Integer, S>> indexed = new ArrayList<>(shards.size());
        for (int k = 0; k < shards.size(); k++) {
            indexed.add(new Tuple2<>(k, shards.get(k)));
        }
        int slices = Math.max(1, Math.min(shards.size(), cluster.parallelism()));
        JavaRDD<Tuple2<Integer, ShardGradient<M>>> results = cluster.context().parallelize(indexed, slices)
                .map(task(key, recipe, weights));
        List<ShardGradient<M>> ordered = new ArrayList<>(shards.size());
        for (int k = 0; k < shards.size(); k++) {
            ordered.add(null);
        }
        for (Tuple2<Integer, ShardGradient<M>> r : results.collect()) {
            ordered.set(r._1(), r._2());
            gradientBytes += r._2().gradients().bytes();
            shardsRun++;
        }
        return ordered;
    }

    /** Bytes of trainable weights broadcast so far (one snapshot per optimizer step). */
    public long broadcastBytes() {
        return sentBytes;
    }

    /**
     * What travelled, in one line: the weights broadcast per optimizer step, the gradient each micro-batch sent
     * back and the frozen weights sent once (payload bytes, before Spark's framing and compression).
     */
    public String traffic() {
        return String.format("spark %s: %d steps, %s of trainable weights broadcast per step, %s of gradient back per micro-batch"
                        + " (%d micro-batches), %s of frozen weights once", cluster.master(), broadcasts,
                mb(broadcasts == 0 ? 0 : sentBytes / broadcasts), mb(shardsRun == 0 ? 0 : gradientBytes / shardsRun), shardsRun,
                mb(frozenBytes()));
    }

    private static String mb(long bytes) {
        return String.format("%.3f MB", bytes / 1e6);
    }

    /** Bytes of frozen weights broadcast once for the run (LoRA base, reference). */
    public long frozenBytes() {
        return frozenBytes;
    }

    /**
     * The task: borrow a replica, bring its trainable weights to the broadcast's version, compute the shard's
     * gradient from zeroed gradients. Static, so that it captures the recipe and the broadcast handle, not this.
     */
    private static <S, M extends Serializable> Function<Tuple2<Integer, S>, Tuple2<Integer, ShardGradient<M>>> task(
            String key, Broadcast<GradientReplica.Recipe<S, M>> recipe, Broadcast<TensorSnapshot> weights) {
        return indexed -> {
            try (ReplicaPool.Lease<GradientReplica<S, M>> lease = ReplicaPool.borrow(key, () -> recipe.value().build(),
                    GradientReplica::release)) {
                GradientReplica<S, M> replica = lease.value();
                TensorSnapshot w = weights.value();
                if (lease.version() != w.version()) {
                    w.copyInto(replica.trainable(), key);
                    lease.version(w.version());
                }
                return new Tuple2<>(indexed._1(), ShardGradient.compute(replica.trainable(), () -> replica.backward(indexed._2())));
            }
        };
    }

    /** Drops the broadcasts; the replicas go with the cluster ({@link SparkCluster#close}). */
    @Override
    public void close() {
        if (weights != null) {
            weights.destroy();
            weights = null;
        }
        recipe.destroy();
    }
}
