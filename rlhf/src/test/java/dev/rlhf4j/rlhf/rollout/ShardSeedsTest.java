package dev.rlhf4j.rlhf.rollout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reward.NamedReward;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A row's completion is a function of (seed, step, prompt index, generation) only: cut into shards of 1 or of 4 rows,
 * listed in another order, the same rows sample the same tokens (float64, so padding cannot move a logit across a
 * sampling threshold), get the same scores and, to rounding, the same reference log-probs.
 */
class ShardSeedsTest {
    private static final Gpt2Config CONFIG = new Gpt2Config(2, 2, 16, 32, 24, 1e-5, "gelu_new", "float64", 23, 23, 0.0, 0.0, 0.0);

    private static List<RolloutRow> rows() {
        Random r = new Random(5);
        List<RolloutRow> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] p = new int[1 + r.nextInt(5)];
            for (int j = 0; j < p.length; j++) {
                p[j] = r.nextInt(23);
            }
            for (int g = 0; g < 2; g++) {
                out.add(new RolloutRow(10 + i, g, p));
            }
        }
        return out;
    }

    private static final NamedReward LENGTH = new NamedReward("length", batch -> {
        double[] s = new double[batch.size()];
        for (int b = 0; b < s.length; b++) {
            s[b] = batch.completionLengths()[b];
        }
        return Tensor.of(s, DType.FLOAT64, s.length);
    });

    @Test
    void aRowSamplesTheSameTokensWhateverItsShard() {
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT64, 3);
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            RolloutModels models = new RolloutModels(policy, null, List.of(LENGTH), reference);
            RolloutSpec one = new RolloutSpec(8, 1.0, 23, 23, 42, true, 1);
            RolloutSpec four = new RolloutSpec(8, 1.0, 23, 23, 42, true, 4);
            List<RolloutRow> rows = rows();
            List<RolloutOutcome> a = new LocalRollouts(models, one).run(2, rows).rows();
            List<RolloutOutcome> b = new LocalRollouts(models, four).run(2, rows).rows();
            List<RolloutRow> reversed = new ArrayList<>(rows);
            java.util.Collections.reverse(reversed);
            List<RolloutOutcome> c = new LocalRollouts(models, four).run(2, reversed).rows();
            boolean differ = false;
            for (int i = 0; i < rows.size(); i++) {
                RolloutOutcome r1 = a.get(i);
                assertArrayEquals(r1.completion(), b.get(i).completion(), "row " + i + ": shards of 1 and 4");
                assertArrayEquals(r1.completion(), c.get(rows.size() - 1 - i).completion(), "row " + i + ": another order");
                assertArrayEquals(r1.scores(), b.get(i).scores());
                assertArrayEquals(r1.refLogProbs(), b.get(i).refLogProbs(), 1e-12);
                differ |= i % 2 == 1 && !Arrays.equals(r1.completion(), a.get(i - 1).completion());
            }
            assertFalse(!differ, "the generations of one prompt draw different streams");
            List<RolloutOutcome> later = new LocalRollouts(models, four).run(3, rows).rows();
            boolean moved = false;
            for (int i = 0; i < rows.size(); i++) {
                moved |= !Arrays.equals(a.get(i).completion(), later.get(i).completion());
            }
            assertFalse(!moved, "another step draws other streams");
        } finally {
            policy.release();
        }
    }

    @Test
    void theRowSeedIsAFunctionOfSeedStepPromptAndGeneration() {
        RolloutSpec spec = new RolloutSpec(8, 1.0, -1, 23, 42, false, 64);
        assertEquals(spec.rowSeed(3, 7, 1), new RolloutSpec(4, 0.5, 2, 23, 42, true, 1).rowSeed(3, 7, 1),
                "the shard size and the generation settings do not enter it");
        assertFalse(spec.rowSeed(3, 7, 1) == spec.rowSeed(3, 7, 0) || spec.rowSeed(3, 7, 1) == spec.rowSeed(3, 8, 1)
                || spec.rowSeed(3, 7, 1) == spec.rowSeed(4, 7, 1)
                || spec.rowSeed(3, 7, 1) == new RolloutSpec(8, 1.0, -1, 23, 43, false, 64).rowSeed(3, 7, 1));
    }
}
