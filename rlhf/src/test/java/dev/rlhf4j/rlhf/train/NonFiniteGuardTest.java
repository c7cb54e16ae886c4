package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.Optimizer;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.reference.ContentHash;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.reward.RewardModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Numerical faults in every trainer: a NaN in the model (or in PPO's reward) makes the loss and the gradient NaN; the
 * step is skipped with the weights untouched, counted in {@code nonfinite} / {@code skipped_steps}, logged, and the
 * {@code max_consecutive_nonfinite}-th in a row stops the run naming the step. A finite step after a skipped one
 * trains again.
 */
class NonFiniteGuardTest {
    private static final List<CompletionExample> DATA = List.of(
            new CompletionExample(new int[] {1, 2, 3}, new int[] {20, 21, 22, 23, Toy.EOS}),
            new CompletionExample(new int[] {4, 5}, new int[] {30, 31, Toy.EOS}));

    /** The first vector parameter (a bias or layer-norm gain): filled with NaN it makes every loss NaN. */
    private static Tensor poisonable(Module m) {
        return m.namedParameters().values().stream().filter(p -> p.rank() == 1 && p.requiresGrad()).findFirst().orElseThrow();
    }

    /** The weights' hash without the poisoned tensor. */
    private static String hashExcept(Module m, Tensor poisoned) {
        Map<String, Tensor> rest = new LinkedHashMap<>(m.namedParameters());
        rest.values().removeIf(t -> t == poisoned);
        return ContentHash.ofWeights(rest);
    }

    @Test
    void theGuardCountsLogsAndStopsAfterTheConfiguredNumberInARow() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        NonFiniteGuard guard = new NonFiniteGuard("sft", 2, new PrintStream(log, true, StandardCharsets.UTF_8));
        Tensor p = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        p.sum().backward();
        Optimizer sgd = new Optimizer() {
            @Override
            public void step() {
                throw new AssertionError("the guard never steps");
            }

            @Override
            public List<Tensor> parameters() {
                return List.of(p);
            }

            @Override
            public double learningRate() {
                return 0.1;
            }

            @Override
            public void setLearningRate(double lr) {
            }
        };
        assertTrue(guard.admit(1, 0.5, 1.0, sgd));
        assertTrue(p.grad() != null && p.grad().sum().item() == 2.0, "an admitted step keeps its gradient");
        assertFalse(guard.admit(2, Double.NaN, 1.0, sgd));
        assertEquals(0.0, p.grad() == null ? 0.0 : p.grad().abs().sum().item(), "a refused step drops its gradient");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("sft: step 2: non-finite loss NaN"), log.toString());
        assertTrue(guard.admit(3, 0.4, 2.0, sgd), "a finite step resets the run of non-finite ones");
        assertFalse(guard.admit(4, 0.3, Double.POSITIVE_INFINITY, sgd));
        NonFiniteGuard.NonFiniteStepException stop = assertThrows(NonFiniteGuard.NonFiniteStepException.class,
                () -> guard.admit(5, Double.NaN, Double.NaN, sgd));
        assertEquals(5, stop.step());
        assertTrue(stop.getMessage().contains("step 5") && stop.getMessage().contains("max_consecutive_nonfinite = 2"), stop.getMessage());
        assertEquals(3, guard.skipped());
        Map<String, Double> m = new LinkedHashMap<>();
        guard.report(m, false);
        assertEquals(Map.of("nonfinite", 1.0, "skipped_steps", 3.0), m);
        assertThrows(IllegalArgumentException.class, () -> new NonFiniteGuard("sft", 0));
        p.release();
    }

    @Test
    void sftSkipsANanStepLeavesTheWeightsAndTrainsOnAfterIt() {
        Gpt2LMHeadModel model = Toy.model(DType.FLOAT32, 1);
        SftConfig config = SftConfig.trlDefaults().toBuilder().learningRate(1e-2).perDeviceTrainBatchSize(2).maxSteps(10).build();
        SftTrainer trainer = new SftTrainer(model, DATA, config, MetricsSink.NONE);
        Tensor poisoned = poisonable(model);
        Tensor saved = poisoned.copy();
        List<CompletionBatch> batch = List.of(trainer.batch(DATA));
        Map<String, Double> first = trainer.step(batch);
        assertEquals(0.0, first.get("nonfinite"));
        String before = hashExcept(model, poisoned);
        poisoned.fill(Double.NaN);
        Map<String, Double> bad = trainer.step(batch);
        assertTrue(Double.isNaN(bad.get("loss")), "the poison reaches the loss: " + bad);
        assertEquals(1.0, bad.get("nonfinite"));
        assertEquals(1.0, bad.get("skipped_steps"));
        assertEquals(before, hashExcept(model, poisoned), "a skipped step changes no weight");
        poisoned.assign(saved);
        Map<String, Double> after = trainer.step(batch);
        assertEquals(0.0, after.get("nonfinite"));
        assertEquals(1.0, after.get("skipped_steps"), "the count is cumulative");
        assertNotEquals(before, hashExcept(model, poisoned), "a finite step trains again");
        assertEquals(3, trainer.steps(), "a skipped step still counts as a step of the schedule");
        saved.release();
        trainer.release();
        model.release();
    }

    @Test
    void sftStopsAtTheFifthNonFiniteStepInARowNamingIt() {
        Gpt2LMHeadModel model = Toy.model(DType.FLOAT32, 1);
        List<Map<String, Double>> reports = new ArrayList<>();
        SftTrainer trainer = new SftTrainer(model, DATA, SftConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(1).maxSteps(20).build(),
                Toy.collect(reports));
        poisonable(model).fill(Double.NaN);
        NonFiniteGuard.NonFiniteStepException e = assertThrows(NonFiniteGuard.NonFiniteStepException.class, trainer::train);
        assertEquals(5, e.step());
        assertTrue(e.getMessage().startsWith("sft: step 5: 5 optimizer steps in a row"), e.getMessage());
        assertEquals(4, reports.size(), "steps 1-4 were reported before the stop");
        assertEquals(4.0, reports.get(3).get("skipped_steps"));
        trainer.release();
        model.release();
    }

    @Test
    void rewardAndDpoStopTheSameWay() {
        Gpt2LMHeadModel lm = Toy.model(DType.FLOAT32, 11);
        RewardModel rm = RewardModel.fromLm(lm, 12);
        lm.release();
        List<Map<String, Double>> reports = new ArrayList<>();
        RewardModelTrainer reward = new RewardModelTrainer(rm, Toy.markedPairs(16, 1), List.of(),
                RewardConfig.trlDefaults().toBuilder().numTrainEpochs(4).build(), Toy.collect(reports));
        Tensor poisoned = poisonable(rm);
        poisoned.fill(Double.NaN);
        String before = hashExcept(rm, poisoned);
        assertEquals(5, assertThrows(NonFiniteGuard.NonFiniteStepException.class, reward::train).step());
        assertEquals(before, hashExcept(rm, poisoned));
        assertEquals(List.of(1.0, 1.0, 1.0, 1.0), reports.stream().map(r -> r.get("nonfinite")).toList());
        reward.release();
        rm.release();

        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT32, 11);
        DpoToy.Recorder metrics = new DpoToy.Recorder();
        DpoConfig config = DpoConfig.trlDefaults().toBuilder().learningRate(1e-2).perDeviceTrainBatchSize(4).maxSteps(16)
                .maxLength(12).maxPromptLength(6).maxConsecutiveNonfinite(3).build();
        try (FrozenCopyReference reference = new FrozenCopyReference(policy);
             DpoTrainer trainer = DpoTrainer.of(policy, reference, config)) {
            Tensor p = poisonable(policy);
            p.fill(Double.NaN);
            String dpoBefore = hashExcept(policy, p);
            NonFiniteGuard.NonFiniteStepException e = assertThrows(NonFiniteGuard.NonFiniteStepException.class,
                    () -> trainer.train(DpoToy.toyPreference(16, 3), metrics));
            assertEquals(3, e.step());
            assertTrue(e.getMessage().startsWith("dpo: step 3: 3 optimizer steps in a row"), e.getMessage());
            assertEquals(2, metrics.steps.size());
            assertEquals(2.0, metrics.steps.get(1).get("skipped_steps"));
            assertEquals(dpoBefore, hashExcept(policy, p));
        }
        policy.release();
    }

    @Test
    void ppoWithANanRewardStopsBeforeAnyUpdate() {
        Gpt2Config config = new Gpt2Config(2, 4, 32, 32, 16, 1e-5, "gelu_new", "float32", 15, 15, 0.0, 0.0, 0.0);
        Gpt2LMHeadModel actor = Gpt2LMHeadModel.random(config, DType.FLOAT32, 5);
        String before = ContentHash.ofWeights(actor.namedParameters());
        RewardFunction nan = batch -> Tensor.of(new double[batch.size()], DType.FLOAT32, batch.size()).fill(Double.NaN);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            prompts.add(new int[] {i % 15, (i * 7) % 15});
        }
        PpoTrainerConfig ppo = PpoTrainerConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(8).numMiniBatches(2)
                .responseLength(4).temperature(1.0).learningRate(3e-3).maxGradNorm(1.0).totalEpisodes(32L).maxSteps(2).seed(11).build();
        try (FrozenCopyReference reference = new FrozenCopyReference(actor);
             SharedTrunkCritic critic = new SharedTrunkCritic(32, DType.FLOAT32, new TensorRandom(2), 0.02)) {
            PpoTrainer trainer = new PpoTrainer(actor, null, critic, reference, nan, prompts, ppo, MetricsSink.NONE);
            NonFiniteGuard.NonFiniteStepException e = assertThrows(NonFiniteGuard.NonFiniteStepException.class, trainer::train);
            assertEquals(5, e.step(), "the fifth minibatch step of the first iteration");
            assertTrue(e.getMessage().startsWith("ppo: step 5: 5 optimizer steps in a row"), e.getMessage());
            assertEquals(before, ContentHash.ofWeights(actor.namedParameters()), "no update reached the actor");
            trainer.release();
        }
        actor.release();
    }
}
