package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.run.MetricsRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RLOO on a tiny random GPT-2 ({@link GroupToy}): the reward rises, a seed replays the run, beta 0 never calls the reference. */
class RlooTrainerTest {
    /** 4 prompts x G 4 per step, 2 micro-batches of 8, 6 new tokens, beta 0.05, 4 optimizer steps per batch. */
    private static RlooConfig config(long steps) {
        return RlooConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(8).gradientAccumulationSteps(2).numGenerations(4)
                .maxCompletionLength(6).epsilonHigh(0.28).normalizeAdvantages(true).learningRate(5e-3).numIterations(4)
                .maxSteps(steps).seed(11).build();
    }

    @Test
    void rlooRaisesTheMeanOfATriviallyLearnableReward() {
        Gpt2LMHeadModel policy = GroupToy.model(5);
        List<Map<String, Double>> m = new ArrayList<>();
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            RlooTrainer trainer = new RlooTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(32, 1), config(6), (step, metrics) -> m.add(new LinkedHashMap<>(metrics)));
            trainer.train();
            reference.verifyFrozen();
            trainer.release();
        }
        double before = (m.get(0).get("reward") + m.get(1).get("reward")) / 2;
        double after = (m.get(4).get("reward") + m.get(5).get("reward")) / 2;
        System.out.printf("RLOO: mean reward of steps 1-2 %.3f, of 5-6 %.3f (6 tokens, 1/%d by chance); kl %.4f%n", before, after,
                GroupToy.VOCAB, m.get(5).get("kl"));
        assertTrue(after > before + 0.5, "the reward rises: " + before + " -> " + after);
        for (String name : List.of("rewards/paid/mean", "rewards/paid/std", "reward_std", "frac_reward_zero_std", "kl", "entropy",
                "clip_ratio/region_mean", "completions/mean_length", "completions/clipped_ratio", "num_tokens", "learning_rate", "loss")) {
            assertTrue(Double.isFinite(m.get(5).getOrDefault(name, Double.NaN)), name);
        }
        policy.release();
    }

    @Test
    void theSameSeedGivesTheSameMetrics() {
        assertEquals(replay(), replay());
    }

    private static List<Map<String, Double>> replay() {
        Gpt2LMHeadModel policy = GroupToy.model(9);
        List<Map<String, Double>> out = new ArrayList<>();
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            RlooTrainer trainer = new RlooTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID, GroupToy.LENGTH),
                    new double[] {1, 0.5}, GroupToy.prompts(16, 3), config(2).toBuilder().learningRate(3e-3).numIterations(2).build(), MetricsSink.NONE);
            for (int i = 0; i < 2; i++) {
                try (Arena outer = Arena.open()) {
                    Map<String, Double> m = new LinkedHashMap<>(trainer.iterate());
                    assertEquals(0, outer.size(), "every tensor of the step was released in its own arenas");
                    m.keySet().removeIf(MetricsRow::isWallClock);
                    out.add(m);
                }
            }
            trainer.release();
        }
        policy.release();
        return out;
    }

    @Test
    void betaZeroNeverCallsTheReference() {
        Gpt2LMHeadModel policy = GroupToy.model(9);
        try (GroupToy.CountingReference reference = new GroupToy.CountingReference(new FrozenCopyReference(policy))) {
            RlooTrainer zero = new RlooTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(16, 3), config(1).toBuilder().beta(0.0).epsilonHigh(null).normalizeAdvantages(false).build(), MetricsSink.NONE);
            Map<String, Double> m = zero.iterate();
            assertEquals(0, reference.passes + reference.steps, "beta 0: the reference is never called");
            assertFalse(m.containsKey("kl"));
            zero.release();
            RlooTrainer withKl = new RlooTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(16, 3), config(1), MetricsSink.NONE);
            withKl.iterate();
            assertEquals(1, reference.passes);
            withKl.release();
        }
        policy.release();
    }
}
