package dev.rlhf4j.rlhf.rollout;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rollout phase of PPO, GRPO and RLOO as a service: the trainer hands over a step's rows and gets back, in the
 * rows' order, each one's completion, scores and reference log-probs. How the shards run is the implementation's
 * business ({@link LocalRollouts} in order on the driver; {@code SparkRollouts} on a cluster's executors); the shards
 * themselves ({@link #shards}, {@link ShardWork}) are the same everywhere, so the results are too.
 */
public interface Rollouts extends AutoCloseable {
    /** Runs step {@code step}'s rows. */
    Batch run(long step, List<RolloutRow> rows);

    /** Frees what the implementation holds beyond the trainer's models. */
    @Override
    default void close() {
    }

    /** Builds the rollouts of a trainer from its models and its spec. */
    @FunctionalInterface
    interface Factory {
        Rollouts create(RolloutModels models, RolloutSpec spec);
    }

    /** The trainer's own models, shards run in order on this thread. */
    Factory LOCAL = LocalRollouts::new;

    /**
     * A step's outcomes in row order, and the seconds spent generating, scoring and in the reference (summed over the
     * shards: on a cluster, the executors' time).
     */
    record Batch(List<RolloutOutcome> rows, double[] seconds) {
        /** Puts shard results in shard order and concatenates them. */
        public static Batch of(List<ShardWork.Result> shards) {
            List<ShardWork.Result> ordered = new ArrayList<>(shards);
            ordered.sort(Comparator.comparingInt(ShardWork.Result::shard));
            List<RolloutOutcome> rows = new ArrayList<>();
            double[] seconds = new double[3];
            for (int i = 0; i < ordered.size(); i++) {
                ShardWork.Result r = ordered.get(i);
                if (r.shard() != i) {
                    throw new IllegalStateException("Rollouts: shard " + i + " is missing (got shard " + r.shard() + ")");
                }
                rows.addAll(r.rows());
                for (int k = 0; k < seconds.length; k++) {
                    seconds[k] += r.seconds()[k];
                }
            }
            return new Batch(List.copyOf(rows), seconds);
        }

        /** Reward {@code k}'s score of every row. */
        public double[] scores(int k) {
            double[] s = new double[rows.size()];
            for (int b = 0; b < s.length; b++) {
                s[b] = rows.get(b).scores()[k];
            }
            return s;
        }

        /**
         * The reference log-probs laid out as {@code batch}'s (B, T-1) row-major array: each row's at its completion
         * positions, 0 elsewhere (as a reference gives them).
         */
        public double[] referenceLogProbs(CompletionBatch batch) {
            int w = batch.batch().length() - 1;
            double[] out = new double[batch.size() * w];
            for (int b = 0; b < rows.size(); b++) {
                double[] r = rows.get(b).refLogProbs();
                System.arraycopy(r, 0, out, b * w + batch.promptLengths()[b] - 1, r.length);
            }
            return out;
        }

        /** {@link #referenceLogProbs(CompletionBatch)} as a tensor of {@code type}.    (B, T-1) */
        public Tensor referenceLogProbs(CompletionBatch batch, DType type) {
            return Tensor.of(referenceLogProbs(batch), type, batch.size(), batch.batch().length() - 1);
        }
    }

    /** Cuts {@code rows} into consecutive shards of {@code size} rows (the last one may be shorter). */
    static List<List<RolloutRow>> shards(List<RolloutRow> rows, int size) {
        List<List<RolloutRow>> out = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += size) {
            out.add(List.copyOf(rows.subList(from, Math.min(rows.size(), from + size))));
        }
        return out;
    }
}
