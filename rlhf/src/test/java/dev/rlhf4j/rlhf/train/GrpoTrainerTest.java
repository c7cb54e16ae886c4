package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages.ScaleRewards;
import dev.rlhf4j.rlhf.grpo.LossType;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import dev.rlhf4j.rlhf.run.MetricsRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * GRPO on a tiny random GPT-2 ({@link GroupToy}): the mean of a trivially learnable reward rises, a seed replays the
 * run, beta 0 never calls the reference, a synchronised reference follows the policy, bad settings are refused by name.
 */
class GrpoTrainerTest {
    /** 4 prompts x G 4 per step, 2 micro-batches of 8, 6 new tokens, beta 0.04, 4 optimizer steps per batch. */
    private static GrpoConfig config(long steps) {
        return GrpoConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(8).gradientAccumulationSteps(2).numGenerations(4)
                .maxCompletionLength(6).beta(0.04).epsilonHigh(0.28).learningRate(5e-3).numIterations(4).maxSteps(steps).seed(11)
                .build();
    }

    private static List<Map<String, Double>> train(GrpoTrainer trainer) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (long i = 0; i < trainer.iterations(); i++) {
            out.add(new LinkedHashMap<>(trainer.iterate()));
        }
        return out;
    }

    @Test
    void grpoRaisesTheMeanOfATriviallyLearnableRewardAndLogsEachReward() {
        Gpt2LMHeadModel policy = GroupToy.model(5);
        List<Map<String, Double>> m;
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            GrpoTrainer trainer = new GrpoTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID, GroupToy.LENGTH),
                    new double[] {1, 0}, GroupToy.prompts(32, 1), config(6), MetricsSink.NONE);
            m = train(trainer);
            reference.verifyFrozen();
            trainer.release();
        }
        double before = (m.get(0).get("rewards/paid/mean") + m.get(1).get("rewards/paid/mean")) / 2;
        double after = (m.get(4).get("rewards/paid/mean") + m.get(5).get("rewards/paid/mean")) / 2;
        System.out.printf("GRPO: mean paid reward of steps 1-2 %.3f, of 5-6 %.3f (6 tokens, 1/%d by chance); kl %.4f%n", before, after,
                GroupToy.VOCAB, m.get(5).get("kl"));
        assertTrue(after > before + 0.5, "the reward rises: " + before + " -> " + after);
        assertEquals(m.get(5).get("rewards/paid/mean"), m.get(5).get("reward"), 1e-12, "weights 1, 0: the reward is the paid one");
        assertTrue(m.get(5).get("kl") > 0);
        for (String name : List.of("reward", "reward_std", "frac_reward_zero_std", "rewards/paid/std", "rewards/length/mean",
                "rewards/length/std", "kl", "entropy", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean",
                "completions/mean_length", "completions/clipped_ratio", "num_tokens", "learning_rate", "loss", "tokens_per_second",
                "time/generation", "time/scoring", "time/reference", "time/training")) {
            assertTrue(Double.isFinite(m.get(5).getOrDefault(name, Double.NaN)), name);
        }
        assertTrue(m.get(5).get("num_tokens") > m.get(4).get("num_tokens"));
        policy.release();
    }

    @Test
    void theSameSeedGivesTheSameMetricsAndAStepReleasesEverything() {
        assertEquals(replay(), replay());
    }

    private static List<Map<String, Double>> replay() {
        Gpt2LMHeadModel policy = GroupToy.model(9);
        List<Map<String, Double>> out = new ArrayList<>();
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            GrpoTrainer trainer = new GrpoTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(16, 3), config(2).toBuilder().learningRate(3e-3).numIterations(2).build(), MetricsSink.NONE);
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
    void betaZeroNeverCallsTheReferenceAndNeedsNone() {
        Gpt2LMHeadModel policy = GroupToy.model(9);
        try (GroupToy.CountingReference reference = new GroupToy.CountingReference(new FrozenCopyReference(policy))) {
            GrpoConfig c = config(2);
            GrpoTrainer zero = new GrpoTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(16, 3), c.toBuilder().beta(0.0).epsilonHigh(null).lossType(LossType.GRPO).build(), MetricsSink.NONE);
            Map<String, Double> m = zero.iterate();
            assertEquals(0, reference.passes + reference.steps, "beta 0: the reference is never called");
            assertFalse(m.containsKey("kl"));
            zero.release();
            GrpoTrainer none = new GrpoTrainer(policy, null, null, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(16, 3), c.toBuilder().beta(0.0).epsilonHigh(null).scaleRewards(ScaleRewards.NONE)
                    .lossType(LossType.DR_GRPO).build(), MetricsSink.NONE);
            assertTrue(Double.isFinite(none.iterate().get("loss")));
            none.release();
            GrpoTrainer withKl = new GrpoTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(16, 3), c, MetricsSink.NONE);
            withKl.iterate();
            assertEquals(1, reference.passes, "beta > 0: one reference pass per step");
            withKl.release();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GrpoTrainer(policy, null, null,
                    List.of(GroupToy.COUNT_PAID), new double[] {1}, GroupToy.prompts(16, 3), c, MetricsSink.NONE));
            assertTrue(e.getMessage().contains("beta"), e.getMessage());
        }
        policy.release();
    }

    @Test
    void aSynchronisedReferenceFollowsThePolicy() {
        Gpt2LMHeadModel policy = GroupToy.model(9);
        try (SynchronizedReference reference = new SynchronizedReference(policy, 2, 0.6)) {
            float[] before = reference.weights().get("transformer.wte.weight").toFloatArray();
            GrpoTrainer trainer = new GrpoTrainer(policy, null, reference, List.of(GroupToy.COUNT_PAID), new double[] {1},
                    GroupToy.prompts(16, 3), config(1), MetricsSink.NONE);
            trainer.iterate();
            assertEquals(4, trainer.optimizerSteps());
            assertEquals(2, reference.syncs(), "synchronised after steps 2 and 4");
            assertFalse(java.util.Arrays.equals(before, reference.weights().get("transformer.wte.weight").toFloatArray()));
            reference.verifyFrozen();
            trainer.release();
        }
        policy.release();
    }

    @Test
    void badSettingsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GrpoConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(6).numGenerations(4).build());
        assertTrue(e.getMessage().contains("num_generations"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GrpoConfig.trlDefaults().toBuilder().numGenerations(1).build());
        assertTrue(e.getMessage().contains("num_generations"), e.getMessage());
        Gpt2LMHeadModel policy = GroupToy.model(9);
        e = assertThrows(IllegalArgumentException.class, () -> new GrpoTrainer(policy, null, null, List.of(GroupToy.COUNT_PAID),
                new double[] {1, 2}, GroupToy.prompts(16, 3), config(1).toBuilder().beta(0).epsilonHigh(null).build(),
                MetricsSink.NONE));
        assertTrue(e.getMessage().contains("reward_weights"), e.getMessage());
        policy.release();
        GrpoConfig d = GrpoConfig.trlDefaults();
        assertEquals(List.of(1e-6, 8.0, 256.0, 1.0, 0.0, 0.2, 0.2, 1.0), List.of(d.optimization().learningRate(),
                (double) d.batching().numGenerations(), (double) d.sampling().maxCompletionLength(), d.sampling().temperature(), d.beta(),
                d.clip().epsilon(), d.clip().clipHigh(), (double) d.batching().numIterations()));
        assertEquals(LossType.DAPO, d.lossType());
        assertEquals(ScaleRewards.GROUP, d.scaleRewards());
        assertEquals(38, d.toBuilder().numGenerations(2).build().batching().iterations(50), "ceil(3 epochs x 50 prompts / 4 prompts per step)");
    }
}
