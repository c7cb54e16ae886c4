package dev.rlhf4j.rlhf.rollout;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.generate.GenerationResult;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The work of one rollout shard, the single code path of every rollout (driver or executor): the policy samples each
 * row from the row's own random stream, the rewards score the shard's completions (right-padded with EOS, as the
 * trainers pad), and the reference gives its log-probs at the sampling temperature. Every tensor lives in an arena
 * closed before {@link #run} returns; what leaves is heap arrays.
 *
 * <p>Legend: B the shard's rows, T prompt + completion + padding.
 */
public final class ShardWork {
    private ShardWork() {
    }

    /**
     * A shard's result.
     *
     * @param shard   the shard's index in the iteration (the driver orders by it)
     * @param rows    one outcome per row, in the shard's order
     * @param seconds time spent generating, scoring and in the reference
     */
    public record Result(int shard, List<RolloutOutcome> rows, double[] seconds) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** Runs shard {@code shard} of step {@code step}: generate, score, reference log-probs. */
    public static Result run(RolloutModels models, RolloutSpec spec, long step, int shard, List<RolloutRow> rows) {
        double[] seconds = new double[3];
        try (Arena arena = Arena.open()) {
            List<int[]> prompts = new ArrayList<>(rows.size());
            long[] seeds = new long[rows.size()];
            for (int b = 0; b < seeds.length; b++) {
                RolloutRow r = rows.get(b);
                prompts.add(r.prompt());
                seeds[b] = spec.rowSeed(step, r.promptIndex(), r.generation());
            }
            long t = System.nanoTime();
            GenerationResult gen = new Generator(models.policy()).generate(prompts, spec.generation(), seeds);
            seconds[0] = since(t);
            List<CompletionExample> examples = new ArrayList<>(rows.size());
            for (int b = 0; b < seeds.length; b++) {
                examples.add(new CompletionExample(prompts.get(b), gen.tokens()[b]));
            }
            CompletionBatch batch = CompletionBatch.of(examples, spec.eosId());
            t = System.nanoTime();
            double[][] scores = new double[rows.size()][models.rewards().size()];
            for (int k = 0; k < models.rewards().size(); k++) {
                double[] s = score(models.rewards().get(k), batch);
                for (int b = 0; b < s.length; b++) {
                    scores[b][k] = s[b];
                }
            }
            seconds[1] = since(t);
            double[][] ref = new double[rows.size()][];
            if (spec.reference()) {
                if (models.reference() == null) {
                    throw new IllegalStateException("ShardWork: the rollout asks for reference log-probs and has no reference");
                }
                t = System.nanoTime();
                DType type = models.policy().dtype().computeType();
                Tensor mask = batch.completionMask(type);                                                        // (B, T-1)
                double[] perToken = models.reference().logProbs(batch.batch(), mask, spec.temperature()).logProbs().toDoubleArray();  // (B, T-1)
                int w = batch.batch().length() - 1;
                for (int b = 0; b < ref.length; b++) {
                    int from = b * w + batch.promptLengths()[b] - 1;
                    ref[b] = Arrays.copyOfRange(perToken, from, from + batch.completionLengths()[b]);
                }
                seconds[2] = since(t);
            }
            List<RolloutOutcome> out = new ArrayList<>(rows.size());
            for (int b = 0; b < seeds.length; b++) {
                out.add(new RolloutOutcome(gen.tokens()[b], scores[b], ref[b]));
            }
            return new Result(shard, out, seconds);
        }
    }

    private static double[] score(NamedReward reward, CompletionBatch batch) {
        Tensor s;
        try (NoGrad ng = NoGrad.enter()) {
            s = reward.function().scores(batch).detach();
        }
        if (s.rank() != 1 || s.size(0) != batch.size()) {
            throw new ShapeException("reward '" + reward.name() + "' must give one score per completion (" + batch.size() + "), got "
                    + Masked.str(s.shape()));
        }
        return s.toDoubleArray();
    }

    private static double since(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
