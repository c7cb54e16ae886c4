package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.rlhf.rollout.RolloutModels;
import dev.rlhf4j.rlhf.rollout.RolloutRow;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import dev.rlhf4j.rlhf.rollout.ShardWork;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Rollouts on a Spark cluster's executors. Once per run the driver broadcasts a {@link RolloutRecipe} (reward models,
 * the reference's weights and, with LoRA, the frozen base); once per step, the policy's trained tensors (every weight,
 * or the adapters only) as a {@link TensorSnapshot} versioned by the step. The step's shards (the same
 * {@code local_rollout_forward_batch_size} rows as on the driver) are spread over {@link SparkCluster#parallelism}
 * partitions; each task borrows its executor's {@link RolloutReplica} (built once, refreshed when the version changes),
 * runs {@link ShardWork} and returns the rows; the driver puts the shards back in order. Same shards, same seeds, same
 * code: the same results as {@link dev.rlhf4j.rlhf.rollout.LocalRollouts}.
 */
public final class SparkRollouts implements Rollouts {
    private static final AtomicLong RUNS = new AtomicLong();
    private final SparkCluster cluster;
    private final RolloutModels models;
    private final RolloutSpec spec;
    private final Broadcast<RolloutRecipe> recipe;
    private final long recipeBytes;
    private final String key;
    private long lastBroadcastBytes;

    private SparkRollouts(SparkCluster cluster, RolloutModels models, RolloutSpec spec) {
        this.cluster = cluster;
        this.models = models;
        this.spec = spec;
        RolloutRecipe r = RolloutRecipe.of(models);
        this.recipeBytes = r.bytes();
        this.recipe = cluster.context().broadcast(r);
        this.key = cluster.replicaKey("rollouts-" + RUNS.incrementAndGet());
        warnOnOtherThreadCounts(cluster);
    }

    /**
     * OpenBLAS's float32 products round differently with the number of threads, so executors that compute with another
     * {@code OMP_NUM_THREADS} than this JVM (set with {@code spark.executorEnv.OMP_NUM_THREADS}, or a cluster's own)
     * reproduce a single-process run only to the last bits; says so once, with the setting that makes them agree.
     */
    private static void warnOnOtherThreadCounts(SparkCluster cluster) {
        String here = threads();
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < cluster.parallelism(); i++) {
            slots.add(i);
        }
        List<String> there = cluster.context().parallelize(slots, slots.size()).map(i -> threads()).distinct().collect();
        if (there.size() != 1 || !there.get(0).equals(here)) {
            System.err.println("rlhf4j: --master " + cluster.master() + ": executors compute with OMP_NUM_THREADS=" + String.join("/", there)
                    + ", this process with " + here + "; float32 products round differently with the thread count, so the metrics"
                    + " equal a single-process run's bit for bit when that run has OMP_NUM_THREADS=" + there.get(0));
        }
    }

    private static String threads() {
        return SparkCluster.nativeThreads();
    }

    /** The factory a trainer's {@code rollouts(...)} takes: its rollouts on {@code cluster}. */
    public static Rollouts.Factory on(SparkCluster cluster) {
        return (models, spec) -> start(cluster, models, spec);
    }

    /** The rollouts of {@code models} on {@code cluster}; broadcasts the recipe now. */
    public static SparkRollouts start(SparkCluster cluster, RolloutModels models, RolloutSpec spec) {
        return new SparkRollouts(cluster, models, spec);
    }

    @Override
    public Batch run(long step, List<RolloutRow> rows) {
        List<List<RolloutRow>> shards = Rollouts.shards(rows, spec.shardSize());
        List<Shard> inputs = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            inputs.add(new Shard(i, new ArrayList<>(shards.get(i))));
        }
        TensorSnapshot trained = RolloutRecipe.trained(models, step);
        lastBroadcastBytes = trained.bytes();
        Broadcast<TensorSnapshot> weights = cluster.context().broadcast(trained);
        try {
            int partitions = Math.max(1, Math.min(cluster.parallelism(), inputs.size()));
            List<ShardWork.Result> results = cluster.context().parallelize(inputs, partitions)
                    .map(new Task(recipe, weights, spec, key, step)).collect();
            return Batch.of(results);
        } finally {
            weights.destroy(true);                   // blocking: Java's destroy() removes asynchronously
        }
    }

    /** Bytes of the run's one-off broadcast (reward models, reference, LoRA base). */
    public long recipeBytes() {
        return recipeBytes;
    }

    /** Bytes of the last step's policy broadcast. */
    public long stepBytes() {
        return lastBroadcastBytes;
    }

    @Override
    public void close() {
        recipe.destroy(true);
        ReplicaPool.clear(key);
    }

    /** A shard as it travels to a task. */
    record Shard(int index, ArrayList<RolloutRow> rows) implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** A task: borrow the executor's replica, bring its policy to this step's version, run the shard. */
    private record Task(Broadcast<RolloutRecipe> recipe, Broadcast<TensorSnapshot> weights, RolloutSpec spec, String key, long step)
            implements Function<Shard, ShardWork.Result> {
        private static final long serialVersionUID = 1L;

        @Override
        public ShardWork.Result call(Shard shard) {
            try (ReplicaPool.Lease<RolloutReplica> replica = ReplicaPool.borrow(key, () -> new RolloutReplica(recipe.value()),
                    RolloutReplica::release)) {
                TensorSnapshot w = weights.value();
                if (replica.version() != w.version()) {
                    replica.value().refresh(w);
                    replica.version(w.version());
                }
                return ShardWork.run(replica.value().models(), spec, step, shard.index(), shard.rows());
            }
        }
    }
}
