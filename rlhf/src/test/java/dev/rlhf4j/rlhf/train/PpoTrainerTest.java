package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.gpt2.Gpt2Model;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.LoraDisabledReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * PPO on a tiny random GPT-2 (vocabulary 16) and a reward that pays 1 for every completion token equal to
 * {@link #PAID}: the score rises, the reference stays frozen, a seed replays the run, both critics train, and a LoRA
 * actor moves only its adapters.
 */
class PpoTrainerTest {
    private static final int VOCAB = 16;
    private static final int PAID = 7;
    private static final Gpt2Config CONFIG = new Gpt2Config(2, 4, 32, 32, VOCAB, 1e-5, "gelu_new", "float32", VOCAB - 1, VOCAB - 1,
            0.0, 0.0, 0.0);

    /** Pays 1 per completion token equal to PAID. */
    private static final RewardFunction COUNT_PAID = batch -> {
        double[] s = new double[batch.size()];
        for (int b = 0; b < s.length; b++) {
            int[] row = batch.batch().tokens(b);
            for (int j = batch.promptLengths()[b]; j < row.length; j++) {
                s[b] += row[j] == PAID ? 1 : 0;
            }
        }
        return Tensor.of(s, DType.FLOAT32, s.length);
    };

    private static List<int[]> prompts(int n, long seed) {
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = new int[2 + r.nextInt(3)];
            for (int j = 0; j < p.length; j++) {
                p[j] = r.nextInt(VOCAB - 1);
            }
            out.add(p);
        }
        return out;
    }

    private static PpoTrainerConfig config(long iterations) {
        return PpoTrainerConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(8).numMiniBatches(2).responseLength(6)
                .temperature(1.0).learningRate(3e-3).maxGradNorm(1.0).totalEpisodes(16 * iterations).maxSteps(iterations).seed(11)
                .build();
    }

    /** Runs {@code iterations} iterations and returns their metrics. */
    private static List<Map<String, Double>> run(PpoTrainer trainer) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (long i = 0; i < trainer.iterations(); i++) {
            out.add(trainer.iterate());
        }
        return out;
    }

    @Test
    void ppoRaisesTheScoreOfATriviallyLearnableRewardAndTheReferenceStaysFrozen() {
        Gpt2LMHeadModel actor = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 5);
        List<Map<String, Double>> metrics = new ArrayList<>();
        try (FrozenCopyReference reference = new FrozenCopyReference(actor);
             SharedTrunkCritic critic = new SharedTrunkCritic(32, DType.FLOAT32, new TensorRandom(2), 0.02)) {
            PpoTrainer trainer = new PpoTrainer(actor, null, critic, reference, COUNT_PAID, prompts(32, 1), config(6).toBuilder().learningRate(5e-3).build(),
                    (step, m) -> metrics.add(new LinkedHashMap<>(m)));
            trainer.train();
            reference.verifyFrozen();
            trainer.release();
        }
        double before = (metrics.get(0).get("objective/scores") + metrics.get(1).get("objective/scores")) / 2;
        double after = (metrics.get(4).get("objective/scores") + metrics.get(5).get("objective/scores")) / 2;
        System.out.printf("PPO: mean score of iterations 1-2 %.3f, of 5-6 %.3f (6 tokens, 1/%d by chance); kl %.4f%n",
                before, after, VOCAB, metrics.get(5).get("objective/kl"));
        assertTrue(after > before + 0.5, "the score rises: " + before + " -> " + after);
        assertTrue(metrics.get(5).get("objective/kl") > 0, "the policy moved away from the reference");
        assertEquals(6, metrics.size());
        assertEquals(6 * 16.0, metrics.get(5).get("episode"));
        assertEquals(List.of("objective/kl", "objective/entropy", "objective/non_score_reward", "objective/rlhf_reward",
                "objective/scores", "policy/approxkl_avg", "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg", "val/clipfrac_avg",
                "policy/entropy_avg", "val/ratio", "val/ratio_var", "val/num_eos_tokens", "lr", "episode", "objective/kl_coef",
                "policy/early_stopped", "nonfinite", "skipped_steps", "tokens_per_second", "time/generation", "time/scoring", "time/reference", "time/training"),
                new ArrayList<>(metrics.get(0).keySet()));
        actor.release();
    }

    /**
     * Two runs from the same seed (separate critic, k3, adaptive beta): equal metrics, all but the wall-clock ones; a
     * tensor an iteration leaked would land in the outer arena.
     */
    @Test
    void theSameSeedGivesTheSameMetricsAndAnIterationReleasesEverything() {
        List<Map<String, Double>> first = replay();
        List<Map<String, Double>> second = replay();
        assertEquals(first, second);
        assertFalse(first.get(0).get("val/ratio").isNaN());
        assertTrue(first.get(1).get("objective/kl_coef") != 0.1, "the adaptive controller moved beta: " + first.get(1).get("objective/kl_coef"));
    }

    private static List<Map<String, Double>> replay() {
        Gpt2LMHeadModel actor = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        Gpt2Model rewardTrunk = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 10).transformer();
        Tensor scoreWeight = new TensorRandom(4).normal(DType.FLOAT32, 0, 0.02, 1, 32);
        List<Map<String, Double>> out = new ArrayList<>();
        try (ReferenceModel reference = new FrozenCopyReference(actor);
             Critic critic = SeparateCritic.fromRewardModel(rewardTrunk, scoreWeight)) {
            PpoTrainer trainer = new PpoTrainer(actor, null, critic, reference, COUNT_PAID, prompts(16, 3),
                    config(2).toBuilder().numPpoEpochs(2).klCoef(0.1).klEstimator(dev.rlhf4j.rlhf.kl.KlEstimator.K3).adaptiveKlTarget(0.5).build(),
                    PpoTrainerTest::noSink);
            for (int i = 0; i < 2; i++) {
                try (Arena outer = Arena.open()) {
                    Map<String, Double> m = new HashMap<>(trainer.iterate());
                    assertEquals(0, outer.size(), "every tensor of the iteration was released in its own arenas");
                    m.keySet().removeIf(k -> k.startsWith("time/") || k.equals("tokens_per_second"));
                    out.add(m);
                }
            }
            trainer.release();
        }
        actor.release();
        scoreWeight.release();
        return out;
    }

    private static void noSink(long step, Map<String, Double> m) {
    }

    @Test
    void theSeparateCriticTrainsItsOwnCopyOfTheRewardTrunk() {
        Gpt2LMHeadModel actor = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        Gpt2LMHeadModel rewardModel = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 10);
        Map<String, float[]> rewardBefore = snapshot(rewardModel.namedParameters());
        Tensor scoreWeight = new TensorRandom(4).normal(DType.FLOAT32, 0, 0.02, 1, 32);
        try (FrozenCopyReference reference = new FrozenCopyReference(actor);
             SeparateCritic critic = SeparateCritic.fromRewardModel(rewardModel.transformer(), scoreWeight)) {
            assertArrayEquals(scoreWeight.toFloatArray(), critic.trainableParameters().get("critic.v_head.summary.weight").toFloatArray());
            Map<String, float[]> criticBefore = snapshot(critic.trainableParameters());
            PpoTrainer trainer = new PpoTrainer(actor, null, critic, reference, COUNT_PAID, prompts(16, 3), config(2),
                    PpoTrainerTest::noSink);
            List<Map<String, Double>> m = run(trainer);
            assertTrue(Double.isFinite(m.get(1).get("loss/value_avg")) && m.get(1).get("loss/value_avg") > 0);
            assertFalse(sameValues(criticBefore, snapshot(critic.trainableParameters())), "the critic trained");
            assertTrue(sameValues(rewardBefore, snapshot(rewardModel.namedParameters())), "the reward model did not move");
            reference.verifyFrozen();
            trainer.release();
        }
        actor.release();
        rewardModel.release();
        scoreWeight.release();
    }

    @Test
    void aLoraActorMovesOnlyItsAdaptersAndItsBaseIsTheReference() {
        Gpt2LMHeadModel actor = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        Map<String, float[]> base = snapshot(actor.namedParameters());
        LoraModel lora = LoraModel.create(actor, LoraConfig.gpt2Attention(4, 8), new TensorRandom(6));
        Map<String, float[]> adapters = snapshot(lora.namedParameters());
        try (LoraDisabledReference reference = LoraDisabledReference.of(actor, lora);
             SharedTrunkCritic critic = new SharedTrunkCritic(32, DType.FLOAT32, new TensorRandom(2), 0.02)) {
            PpoTrainer trainer = new PpoTrainer(actor, lora, critic, reference, COUNT_PAID, prompts(16, 3),
                    config(2).toBuilder().learningRate(1e-2).maxGradNorm(null).build(), PpoTrainerTest::noSink);
            List<Map<String, Double>> m = run(trainer);
            assertTrue(m.get(1).get("objective/kl") != 0.0, "the adapters moved the policy away from its base");
            reference.verifyFrozen();
            trainer.release();
        }
        assertTrue(sameValues(base, snapshot(actor.namedParameters())), "no base weight moved");
        assertFalse(sameValues(adapters, snapshot(lora.namedParameters())), "the adapters trained");
        lora.release();
        actor.release();
    }

    @Test
    void earlyStoppingOnApproxKlCutsTheEpochsShort() {
        Gpt2LMHeadModel actor = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        try (FrozenCopyReference reference = new FrozenCopyReference(actor);
             SharedTrunkCritic critic = new SharedTrunkCritic(32, DType.FLOAT32, new TensorRandom(2), 0.02)) {
            PpoTrainer trainer = new PpoTrainer(actor, null, critic, reference, COUNT_PAID, prompts(16, 3),
                    config(1).toBuilder().learningRate(5e-2).maxGradNorm(null).targetKl(1e-6).build(),
                    PpoTrainerTest::noSink);
            Map<String, Double> m = trainer.iterate();
            assertEquals(1.0, m.get("policy/early_stopped"));
            assertTrue(trainer.optimizerSteps() < 4 * 2, "fewer than num_ppo_epochs x num_mini_batches steps: " + trainer.optimizerSteps());
            trainer.release();
        }
        actor.release();
    }

    @Test
    void badConfigurationsAreRefusedByName() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PpoTrainerConfig.trlDefaults().toBuilder().temperature(0.0).build());
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PpoTrainerConfig.trlDefaults().toBuilder().numMiniBatches(0).build());
        assertTrue(e.getMessage().contains("num_mini_batches"), e.getMessage());
    }

    @Test
    void trlDefaultsAndTheNumberOfIterations() {
        PpoTrainerConfig c = PpoTrainerConfig.trlDefaults();
        assertEquals(List.of(3e-6, 53.0, 0.7, 0.05, 0.2, 0.2, 0.1, 1.0, 0.95), List.of(c.optimization().learningRate(),
                (double) c.rollout().responseLength(), c.rollout().temperature(), c.kl().klCoef(), c.loss().cliprange(),
                c.loss().cliprangeValue(), c.loss().vfCoef(), c.loss().gamma(), c.loss().lam()));
        assertEquals(List.of(4, 1, 8), List.of(c.batches().numPpoEpochs(), c.batches().numMiniBatches(), c.batches().batchSize()));
        assertEquals(dev.rlhf4j.rlhf.kl.KlEstimator.K1, c.kl().klEstimator());
        assertTrue(c.rollout().missingEosPenalty() == null && c.rollout().stopTokenId() == null && c.kl().adaptiveKlTarget() == null
                && c.kl().targetKl() == null && c.optimization().maxGradNorm() == null);
        assertEquals(38, c.batches().iterations(100), "ceil(3 epochs x 100 prompts / 8)");
        assertEquals(13, c.toBuilder().totalEpisodes(100L).build().batches().iterations(5), "ceil(total_episodes 100 / 8)");
        assertEquals(4, c.toBuilder().totalEpisodes(100L).maxSteps(4).build().batches().iterations(5), "capped by max_steps");
        assertEquals(0.05, c.kl().controller().beta());
        assertEquals(0.2, c.toBuilder().klCoef(0.2).adaptiveKlTarget(6.0).build().kl().controller().update(12.0, 8).beta()
                / (1 + 0.2 * 8 / 10_000.0), 1e-15, "adaptive: beta (1 + clip(12/6 - 1) n / horizon)");
    }

    private static Map<String, float[]> snapshot(Map<String, Tensor> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, t) -> out.put(n, t.toFloatArray()));
        return out;
    }

    private static boolean sameValues(Map<String, float[]> a, Map<String, float[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (String k : a.keySet()) {
            if (!java.util.Arrays.equals(a.get(k), b.get(k))) {
                return false;
            }
        }
        return true;
    }
}
