package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.optim.SchedulerType;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.reference.ContentHash;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.HalfPrecisionReference;
import dev.rlhf4j.rlhf.reference.LoraDisabledReference;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.PeriodicReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The DPO trainer's behaviour on miniature models: it learns a toy preference, leaves the reference frozen, is
 * replayable from its seed, trains only the adapters of a LoRA policy, and lets a TR-DPO reference follow.
 */
class DpoTrainerTest {
    private static DpoConfig toyConfig() {
        return DpoConfig.trlDefaults().toBuilder()
                .learningRate(1e-2).perDeviceTrainBatchSize(4).maxSteps(16).maxLength(12).maxPromptLength(6).seed(7)
                .lrSchedulerType(SchedulerType.CONSTANT).build();
    }

    @Test
    void dpoRaisesTheMarginsAndTheAccuracyOfAToyPreference() {
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT32, 11);
        String before = ContentHash.ofWeights(policy.namedParameters());
        DpoToy.Recorder metrics = new DpoToy.Recorder();
        try (FrozenCopyReference reference = new FrozenCopyReference(policy);
             DpoTrainer trainer = DpoTrainer.of(policy, reference, toyConfig())) {
            assertEquals(16, trainer.train(DpoToy.toyPreference(16, 3), metrics));
            // 1. at the first step the policy is the reference: no margin, loss ln 2
            assertEquals(0.0, metrics.first("rewards/margins"), 1e-6);
            assertEquals(Math.log(2), metrics.first("loss"), 1e-6);
            // 2. by the end the chosen completions are preferred by a clear margin
            System.out.printf("DPO toy: margins %.4f -> %.4f, accuracy %.2f -> %.2f, loss %.4f -> %.4f%n",
                    metrics.first("rewards/margins"), metrics.last("rewards/margins", 3), metrics.first("rewards/accuracies"),
                    metrics.last("rewards/accuracies", 3), metrics.first("loss"), metrics.last("loss", 3));
            assertTrue(metrics.last("rewards/margins", 3) > 0.5, "margins " + metrics.last("rewards/margins", 3));
            assertEquals(1.0, metrics.last("rewards/accuracies", 3), "accuracy of the last steps");
            assertTrue(metrics.last("loss", 3) < 0.4, "loss " + metrics.last("loss", 3));
            assertTrue(metrics.last("rewards/chosen", 3) > metrics.first("rewards/chosen"));
            // 3. the reference never moved, the policy did
            reference.verifyFrozen();
            assertNotEquals(before, ContentHash.ofWeights(policy.namedParameters()));
            assertEquals(List.of("loss", "grad_norm", "learning_rate", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
                    "rewards/margins", "logps/chosen", "logps/rejected", "logits/chosen", "logits/rejected", "num_truncated",
                    "nonfinite", "skipped_steps", "tokens_per_second", "epoch"), List.copyOf(metrics.steps.get(0).keySet()));
            assertEquals(0.25, metrics.first("epoch"), 1e-12, "16 pairs in batches of 4: 4 steps an epoch");
            assertEquals(4.0, metrics.last("epoch", 1), 1e-12);
            assertTrue(metrics.first("tokens_per_second") > 0);
        }
        policy.release();
    }

    /** Each strategy of the reference package serves as the trainer's reference and is frozen after training. */
    @Test
    void everyReferenceStrategyTrainsAndStaysFrozen() throws IOException {
        Path dir = Files.createTempDirectory("dpo-references");
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT32, 15);
        Map<String, ReferenceModel> refs = new LinkedHashMap<>();
        refs.put("bf16", HalfPrecisionReference.of(policy, DType.BFLOAT16));
        refs.put("offloaded", OffloadedReference.of(policy, dir.resolve("reference.safetensors")));
        refs.put("periodic", new PeriodicReference(new FrozenCopyReference(policy), 2));
        for (Map.Entry<String, ReferenceModel> e : refs.entrySet()) {
            DpoToy.Recorder metrics = new DpoToy.Recorder();
            try (ReferenceModel reference = e.getValue();
                 DpoTrainer trainer = DpoTrainer.of(policy, reference, toyConfig().toBuilder().maxSteps(3).build())) {
                trainer.train(DpoToy.toyPreference(12, 3), metrics);
                reference.verifyFrozen();
            }
            assertEquals(3, metrics.steps.size(), e.getKey());
            assertTrue(Double.isFinite(metrics.last("loss", 1)), e.getKey());
        }
        policy.release();
    }

    @Test
    void theSameSeedGivesIdenticalMetricsAndAnotherSeedDoesNot() {
        List<Map<String, Double>> a = run(toyConfig());
        List<Map<String, Double>> b = run(toyConfig());
        List<Map<String, Double>> c = run(toyConfig().toBuilder().seed(8).build());
        assertEquals(a, b, "same seed, same metrics to the bit");
        assertNotEquals(a, c, "the seed orders the data");
    }

    private static List<Map<String, Double>> run(DpoConfig config) {
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT32, 11);
        DpoToy.Recorder metrics = new DpoToy.Recorder();
        try (FrozenCopyReference reference = new FrozenCopyReference(policy);
             DpoTrainer trainer = DpoTrainer.of(policy, reference, config.toBuilder().maxSteps(6).build())) {
            trainer.train(DpoToy.toyPreference(16, 3), metrics);
        }
        policy.release();
        return metrics.withoutTiming();
    }

    @Test
    void aLoraPolicyTrainsOnlyItsAdaptersAndItsReferenceIsTheUntouchedBase() {
        Gpt2LMHeadModel model = DpoToy.model(DType.FLOAT32, 12);
        LoraModel lora = LoraModel.create(model, LoraConfig.gpt2AllProjections(4, 8), new TensorRandom(3));
        Map<String, Tensor> all = model.namedParameters();
        String base = ContentHash.ofWeights(all);
        String adapters = ContentHash.ofWeights(lora.namedParameters());
        DpoToy.Recorder metrics = new DpoToy.Recorder();
        try (LoraDisabledReference reference = LoraDisabledReference.of(model, lora);
             DpoTrainer trainer = new DpoTrainer(model, lora, reference, toyConfig().toBuilder().maxSteps(8).build())) {
            Set<Tensor> optimized = Collections.newSetFromMap(new IdentityHashMap<>());
            optimized.addAll(trainer.optimizer().parameters());
            Set<Tensor> factors = Collections.newSetFromMap(new IdentityHashMap<>());
            factors.addAll(lora.namedParameters().values());
            assertEquals(factors, optimized, "AdamW holds exactly the adapter factors");
            trainer.train(DpoToy.toyPreference(16, 3), metrics);
            reference.verifyFrozen();
        }
        assertEquals(base, ContentHash.ofWeights(all), "no base weight moved");
        assertNotEquals(adapters, ContentHash.ofWeights(lora.namedParameters()), "the adapters did");
        assertTrue(metrics.last("rewards/margins", 2) > metrics.first("rewards/margins"), "and they learned the preference");
        lora.release();
        model.release();
    }

    @Test
    void aSynchronizedReferenceFollowsThePolicyEveryRefModelSyncSteps() {
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT32, 13);
        try (SynchronizedReference reference = new SynchronizedReference(policy, 2, 0.6);
             DpoTrainer trainer = DpoTrainer.of(policy, reference, toyConfig().toBuilder().maxSteps(5).build())) {
            trainer.train(DpoToy.toyPreference(16, 3), MetricsSink.NONE);
            assertEquals(2, reference.syncs(), "synchronised after steps 2 and 4");
            reference.verifyFrozen();
        }
        policy.release();
    }

    @Test
    void gradientAccumulationOfTwoHalfBatchesIsTheGradientOfTheWholeBatch() {
        List<PreferenceExample> pairs = DpoToy.randomPairs(4, new java.util.Random(5));
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT64, 14);
        try (FrozenCopyReference reference = new FrozenCopyReference(policy);
             DpoTrainer trainer = DpoTrainer.of(policy, reference, toyConfig())) {
            double whole = trainer.step(trainer.batch(pairs), 1.0).loss();
            double[][] g1 = grads(policy);
            policy.zeroGrad();
            double first = trainer.step(trainer.batch(pairs.subList(0, 2)), 0.5).loss();
            double second = trainer.step(trainer.batch(pairs.subList(2, 4)), 0.5).loss();
            double[][] g2 = grads(policy);
            policy.zeroGrad();
            assertEquals(whole, (first + second) / 2, 1e-12);
            for (int i = 0; i < g1.length; i++) {
                for (int j = 0; j < g1[i].length; j++) {
                    assertEquals(g1[i][j], g2[i][j], 1e-12 * (1 + Math.abs(g1[i][j])), "parameter " + i + "[" + j + "]");
                }
            }
        }
        policy.release();
    }

    private static double[][] grads(Gpt2LMHeadModel model) {
        return model.parameters().stream().map(p -> p.grad() == null ? new double[0] : p.grad().toDoubleArray()).toArray(double[][]::new);
    }
}
