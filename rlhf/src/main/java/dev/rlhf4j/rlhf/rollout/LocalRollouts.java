package dev.rlhf4j.rlhf.rollout;

import java.util.ArrayList;
import java.util.List;

/**
 * Rollouts on the driver with the trainer's own models: the shards of {@link ShardWork} one after the other. This is
 * what every run without {@code --master} does, and what a cluster run must reproduce.
 */
public final class LocalRollouts implements Rollouts {
    private final RolloutModels models;
    private final RolloutSpec spec;

    public LocalRollouts(RolloutModels models, RolloutSpec spec) {
        this.models = models;
        this.spec = spec;
    }

    @Override
    public Batch run(long step, List<RolloutRow> rows) {
        List<List<RolloutRow>> shards = Rollouts.shards(rows, spec.shardSize());
        List<ShardWork.Result> results = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            results.add(ShardWork.run(models, spec, step, i, shards.get(i)));
        }
        return Batch.of(results);
    }
}
