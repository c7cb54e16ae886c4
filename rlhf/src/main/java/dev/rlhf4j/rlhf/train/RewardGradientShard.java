package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import dev.rlhf4j.rlhf.reward.BradleyTerryLoss;
import dev.rlhf4j.rlhf.reward.RewardModel;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One micro-batch of a reward-model step as a unit of work that any machine can compute: its preference pairs
 * (already cut to {@code max_length}), their margins, the weight of its loss in the step and the seed of its dropout
 * masks. Its {@link #backward} is the Bradley-Terry loss of that micro-batch scaled by its weight,
 * <pre>
 *   L_k = lossScale * BT(r_c, r_r, m)          lossScale = 1 / micro-batches      (the step's loss is sum_k L_k)
 * </pre>
 * with the chosen and rejected rows scored in one forward pass (2B rows, chosen first).
 *
 * @param pairs       the micro-batch's preference pairs
 * @param margins     each pair's margin m, or null for none
 * @param lossScale   the step's weight of this micro-batch's mean loss
 * @param dropoutSeed the seed of this micro-batch's dropout masks ({@link TrainingPlan#shardSeed})
 */
public record RewardGradientShard(List<PreferenceExample> pairs, double[] margins, double lossScale,
                                  long dropoutSeed) implements Serializable {
    private static final long serialVersionUID = 1L;

    public RewardGradientShard {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("RewardGradientShard: a micro-batch needs at least one pair");
        }
        if (margins != null && margins.length != pairs.size()) {
            throw new IllegalArgumentException("RewardGradientShard: " + margins.length + " margins for " + pairs.size() + " pairs");
        }
        pairs = List.copyOf(pairs);
    }

    /** The shard of {@code pairs} with their {@code margins} (null for none). */
    public static RewardGradientShard of(List<PreferenceExample> pairs, double[] margins, double lossScale, long dropoutSeed) {
        return new RewardGradientShard(pairs, margins, lossScale, dropoutSeed);
    }

    /** The shard of an already batched micro-batch (its rows' real tokens split at each prompt length). */
    public static RewardGradientShard of(RewardModelTrainer.Batch batch, double lossScale, long dropoutSeed) {
        CompletionBatch rows = batch.rows();
        List<PreferenceExample> pairs = new ArrayList<>(batch.pairs());
        for (int i = 0; i < batch.pairs(); i++) {
            int[] c = rows.batch().tokens(i);
            int[] r = rows.batch().tokens(batch.pairs() + i);
            int p = rows.promptLengths()[i];
            pairs.add(new PreferenceExample(Arrays.copyOf(c, p), Arrays.copyOfRange(c, p, c.length), Arrays.copyOfRange(r, p, r.length)));
        }
        return of(pairs, batch.margins(), lossScale, dropoutSeed);
    }

    /** Pairs as one forward batch padded with {@code padId}: rows 0 .. B-1 chosen, rows B .. 2B-1 rejected. */
    public static RewardModelTrainer.Batch batch(List<PreferenceExample> pairs, double[] margins, int padId) {
        List<CompletionExample> rows = new ArrayList<>(2 * pairs.size());
        for (PreferenceExample p : pairs) {
            rows.add(p.chosenExample());
        }
        for (PreferenceExample p : pairs) {
            rows.add(p.rejectedExample());
        }
        return new RewardModelTrainer.Batch(CompletionBatch.of(rows, padId), pairs.size(), margins);
    }

    /**
     * Forward and backward on {@code model}, dropout drawn from {@link #dropoutSeed} unless {@code disableDropout}:
     * accumulates the gradient of L_k into its parameters and frees every intermediate.
     */
    public RewardModelTrainer.Forward backward(RewardModel model, BradleyTerryLoss loss, boolean disableDropout) {
        if (disableDropout) {
            model.eval();
        } else {
            model.train(new TensorRandom(dropoutSeed));
        }
        return backward(model, loss, batch(pairs(), margins, model.padTokenId()), lossScale);
    }

    /** Forward and backward of {@code batch} in the model's current mode: the gradient of {@code scale * L}. */
    static RewardModelTrainer.Forward backward(RewardModel model, BradleyTerryLoss loss, RewardModelTrainer.Batch batch, double scale) {
        try (Arena pass = Arena.open()) {
            Scored s = score(model, loss, batch);
            s.output().loss().mul(scale).backward();
            return s.figures(batch);
        }
    }

    /** The figures of {@code batch} in the model's current mode (the caller holds the arena and, for no graph, NoGrad). */
    static RewardModelTrainer.Forward figures(RewardModel model, BradleyTerryLoss loss, RewardModelTrainer.Batch batch) {
        return score(model, loss, batch).figures(batch);
    }

    private record Scored(BradleyTerryLoss.Output output, Tensor chosen, Tensor rejected) {
        RewardModelTrainer.Forward figures(RewardModelTrainer.Batch batch) {
            return new RewardModelTrainer.Forward(output.loss().item(), chosen.toDoubleArray(), rejected.toDoubleArray(), output.accuracy(),
                    batch.rows().realTokens());
        }
    }

    /** Scores the 2B rows in one pass and applies the Bradley-Terry loss, in the graph. */
    private static Scored score(RewardModel model, BradleyTerryLoss loss, RewardModelTrainer.Batch batch) {
        int b = batch.pairs();
        Tensor scores = model.forward(batch.rows().batch());                              // (2B)
        Tensor chosen = scores.narrow(0, 0, b);                                            // (B)
        Tensor rejected = scores.narrow(0, b, b);                                          // (B)
        BradleyTerryLoss.Output out = batch.margins() == null
                ? loss.compute(chosen, rejected)
                : loss.compute(chosen, rejected, Tensor.of(batch.margins(), scores.dtype().computeType(), b));
        return new Scored(out, chosen, rejected);
    }
}
