package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.DpoBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.dpo.HingeDpoLoss;
import dev.rlhf4j.rlhf.dpo.IpoLoss;
import dev.rlhf4j.rlhf.dpo.RobustDpoLoss;
import dev.rlhf4j.rlhf.dpo.SigmoidDpoLoss;
import dev.rlhf4j.rlhf.dpo.SimPoLoss;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.PrecomputedReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** TRL's names and defaults, the loss_type mapping, truncation, and each loss and reference mode through the step. */
class DpoConfigTest {

    @Test
    void trlDefaultsAndTheLossTypeNames() {
        DpoConfig c = DpoConfig.trlDefaults();
        assertEquals(1e-6, c.optimization().learningRate());
        assertEquals(0.1, c.objective().beta());
        assertEquals(1024, c.maxLength());
        assertEquals(512, c.maxPromptLength());
        assertEquals(8, c.batching().perDeviceTrainBatchSize());
        assertEquals(new SigmoidDpoLoss(0.1, 0.0), c.loss());
        DpoConfig.Builder b = c.toBuilder().beta(0.2).labelSmoothing(0.1);
        assertEquals(new RobustDpoLoss(0.2, 0.1), b.lossType(DpoConfig.LossType.of("robust")).build().loss());
        assertEquals(new SimPoLoss(0.2, 0.5, 0.1), b.lossType(DpoConfig.LossType.of("simpo")).build().loss());
        b.labelSmoothing(0);
        assertEquals(new HingeDpoLoss(0.2), b.lossType(DpoConfig.LossType.of("hinge")).build().loss());
        assertEquals(new IpoLoss(0.2), b.lossType(DpoConfig.LossType.of("ipo")).build().loss());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DpoConfig.LossType.of("kto_pair"));
        assertTrue(e.getMessage().contains("[sigmoid, robust, hinge, ipo, simpo]"), e.getMessage());
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        DpoConfig.Builder b = DpoConfig.trlDefaults().toBuilder();
        assertMessage("label_smoothing is not used by loss_type 'hinge'",
                () -> b.lossType(DpoConfig.LossType.HINGE).labelSmoothing(0.1).build());
        assertMessage("max_length must exceed max_prompt_length", () -> DpoConfig.trlDefaults().toBuilder().maxLength(512).build());
        assertMessage("max_steps must be > 0, or -1", () -> DpoConfig.trlDefaults().toBuilder().maxSteps(0).build());
        assertMessage("lr_scheduler_type", () -> DpoConfig.trlDefaults().toBuilder().lrSchedulerType(null).build());
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT32, 1);
        DpoConfig simpo = DpoConfig.trlDefaults().toBuilder().lossType(DpoConfig.LossType.SIMPO).build();
        try (FrozenCopyReference ref = new FrozenCopyReference(policy)) {
            assertMessage("pass null as the reference", () -> DpoTrainer.of(policy, ref, simpo));
            assertMessage("needs a reference model", () -> DpoTrainer.of(policy, null, DpoConfig.trlDefaults()));
            assertMessage("needs a PrecomputedReference",
                    () -> DpoTrainer.of(policy, ref, DpoConfig.trlDefaults().toBuilder().precomputeRefLogProbs(true).build()));
        }
        policy.release();
    }

    @Test
    void promptsAreCutOnTheLeftCompletionsOnTheRightAndCounted() {
        List<PreferenceExample> pairs = List.of(
                new PreferenceExample(new int[] {1, 2, 3, 4, 5}, new int[] {6, 7, 8}, new int[] {9}),
                new PreferenceExample(new int[] {1}, new int[] {2, 3}, new int[] {4, 5, 6, 7, 8, 9}));
        DpoBatch batch = DpoBatch.of(pairs, 6, 3, 63, 32);
        assertEquals(2, batch.pairs());
        assertEquals(3, batch.truncated(), "both rows of pair 0 (its prompt), the rejected row of pair 1");
        int[][] ids = batch.rows().batch().inputIds();
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8}, ids[0]);
        assertArrayEquals(new int[] {1, 2, 3, 63, 63, 63}, ids[1]);
        assertArrayEquals(new int[] {3, 4, 5, 9, 63, 63}, ids[2]);
        assertArrayEquals(new int[] {1, 4, 5, 6, 7, 8}, ids[3]);
        assertEquals(3 + 2, batch.chosenTokens());
        assertEquals(1 + 5, batch.rejectedTokens());
        assertMessage("pair 0 keeps 6 tokens after truncation, more than the model's 5 positions",
                () -> DpoBatch.of(pairs, 6, 3, 63, 5));
    }

    /** IPO and SimPO read mean per-token log-probs; SimPO and reference_free read no reference. */
    @Test
    void eachLossTypeRunsThroughTheStepWithItsLogProbs() {
        List<PreferenceExample> data = DpoToy.randomPairs(3, new Random(9));
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT64, 2);
        Gpt2LMHeadModel other = DpoToy.model(DType.FLOAT64, 3);
        try (FrozenCopyReference ref = new FrozenCopyReference(other)) {
            DpoStep sum = step(policy, ref, DpoConfig.LossType.SIGMOID, false);
            DpoStep mean = step(policy, ref, DpoConfig.LossType.IPO, false);
            DpoBatch batch = DpoBatch.of(data, 1024, 512, 63, 32);
            for (int b = 0; b < 3; b++) {
                int length = batch.rows().completionLengths()[b];
                assertEquals(sum.policyChosenLogps()[b] / length, mean.policyChosenLogps()[b], 1e-12);
                double d = (mean.policyChosenLogps()[b] - mean.referenceChosenLogps()[b])
                        - (mean.policyRejectedLogps()[b] - mean.referenceRejectedLogps()[b]);
                assertEquals(Math.pow(d - 1 / (2 * 0.1), 2), mean.losses()[b], 1e-12, "IPO on length-averaged log-probs");
            }
            DpoStep simpo = step(policy, null, DpoConfig.LossType.SIMPO, false);
            DpoStep free = step(policy, null, DpoConfig.LossType.SIGMOID, true);
            for (int b = 0; b < 3; b++) {
                assertEquals(0.0, simpo.referenceChosenLogps()[b]);
                assertEquals(mean.policyChosenLogps()[b], simpo.policyChosenLogps()[b], 1e-12);
                assertEquals(sum.policyRejectedLogps()[b], free.policyRejectedLogps()[b], 1e-12);
                assertEquals(0.1 * free.policyChosenLogps()[b], free.chosenRewards()[b], 1e-12);
            }
            double hinge = step(policy, ref, DpoConfig.LossType.HINGE, false).losses()[0];
            double d0 = (sum.policyChosenLogps()[0] - sum.referenceChosenLogps()[0])
                    - (sum.policyRejectedLogps()[0] - sum.referenceRejectedLogps()[0]);
            assertEquals(Math.max(0, 1 - 0.1 * d0), hinge, 1e-12);
        }
        other.release();
        policy.release();
    }

    private static DpoStep step(Gpt2LMHeadModel policy, FrozenCopyReference ref, DpoConfig.LossType type, boolean referenceFree) {
        DpoConfig config = DpoConfig.trlDefaults().toBuilder().lossType(type).referenceFree(referenceFree).build();
        try (DpoTrainer trainer = DpoTrainer.of(policy, ref, config)) {
            DpoStep s = trainer.step(trainer.batch(DpoToy.randomPairs(3, new Random(9))), 1.0);
            policy.zeroGrad();
            return s;
        }
    }

    /** precompute_ref_log_probs: the cached log-probs give the live reference's step. */
    @Test
    void aPrecomputedReferenceGivesTheLiveReferencesStep() throws IOException {
        List<PreferenceExample> data = DpoToy.randomPairs(6, new Random(4));
        Gpt2LMHeadModel policy = DpoToy.model(DType.FLOAT64, 5);
        DpoConfig config = DpoConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(3).maxLength(8).maxPromptLength(4)
                .precomputeRefLogProbs(true).build();
        Path file = Files.createTempDirectory("dpo-precomputed").resolve(PrecomputedReference.FILE_NAME);
        try (FrozenCopyReference live = new FrozenCopyReference(policy);
             PrecomputedReference cached = DpoTrainer.precomputedReference(file, data, config, live.weights(), "no tokenizer", 63,
                     () -> new FrozenCopyReference(policy));
             DpoTrainer fromCache = DpoTrainer.of(policy, cached, config);
             DpoTrainer fromLive = DpoTrainer.of(policy, live, config.toBuilder().precomputeRefLogProbs(false).build())) {
            assertEquals(PrecomputedReference.Origin.BUILT, cached.origin());
            assertEquals(12, cached.sequences());
            DpoStep a = fromCache.step(fromCache.batch(data.subList(3, 6)), 1.0);
            DpoStep b = fromLive.step(fromLive.batch(data.subList(3, 6)), 1.0);
            policy.zeroGrad();
            assertArrayEquals(b.referenceChosenLogps(), a.referenceChosenLogps(), 1e-12);
            assertArrayEquals(b.referenceRejectedLogps(), a.referenceRejectedLogps(), 1e-12);
            assertEquals(b.loss(), a.loss(), 1e-12);
            assertInstanceOf(PrecomputedReference.class, cached);
        }
        policy.release();
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
