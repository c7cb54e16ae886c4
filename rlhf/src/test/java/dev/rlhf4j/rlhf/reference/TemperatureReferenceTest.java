package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reference log-probs at PPO's sampling temperature: every strategy gives {@code log_softmax(logits / tau)} of its
 * model, the precomputed cache is keyed on tau, the periodic one refreshes when tau changes, and a strategy that only
 * knows temperature 1 refuses another one by name.
 */
class TemperatureReferenceTest {
    private static final double TAU = 0.7;

    /** The model's own tempered log-probs, straight from TokenLogProbs. */
    private static double[] tempered(Gpt2LMHeadModel model, PaddedBatch batch, Tensor mask, double tau) {
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            return TokenLogProbs.of(model.forward(batch), batch.inputIdTensor(0, batch.length()), mask, tau).logProbs().toDoubleArray();
        }
    }

    private static double[] values(ReferenceModel ref, PaddedBatch batch, Tensor mask, double tau) {
        try (Arena a = Arena.open()) {
            return ref.logProbs(batch, mask, tau).logProbs().toDoubleArray();
        }
    }

    @Test
    void everyModelStrategyDividesItsLogitsByTheTemperature() throws IOException {
        Gpt2LMHeadModel policy = Tiny.random(2, 41);
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(3, 12, 64, 2), 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        double[] want = tempered(policy, batch, mask, TAU);
        double[] atOne = tempered(policy, batch, mask, 1.0);
        assertFalse(java.util.Arrays.equals(want, atOne), "the temperature changes the log-probs");
        Map<String, ReferenceModel> refs = new LinkedHashMap<>();
        refs.put("frozen copy", new FrozenCopyReference(policy));
        refs.put("offloaded", OffloadedReference.of(policy, Files.createTempDirectory("tau").resolve("ref.safetensors")));
        refs.put("synchronized", new SynchronizedReference(policy, 1_000, 0.6));
        refs.put("periodic", new PeriodicReference(new FrozenCopyReference(policy), 3));
        for (Map.Entry<String, ReferenceModel> e : refs.entrySet()) {
            try (ReferenceModel ref = e.getValue()) {
                assertArrayEquals(want, values(ref, batch, mask, TAU), 0.0, e.getKey() + " at " + TAU);
                assertArrayEquals(atOne, values(ref, batch, mask, 1.0), 0.0, e.getKey() + " at 1");
            }
        }
        LoraModel lora = LoraModel.create(policy, LoraConfig.gpt2Attention(4, 8), new TensorRandom(1));
        try (LoraDisabledReference ref = LoraDisabledReference.of(policy, lora)) {
            assertArrayEquals(want, values(ref, batch, mask, TAU), 0.0, "LoRA disabled at " + TAU);
        }
        lora.release();
        policy.release();
    }

    @Test
    void thePeriodicReferenceRefreshesWhenTheTemperatureChanges() {
        Gpt2LMHeadModel policy = Tiny.random(2, 41);
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(2, 10, 64, 3), 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        try (PeriodicReference ref = new PeriodicReference(new FrozenCopyReference(policy), 100)) {
            values(ref, batch, mask, 1.0);
            values(ref, batch, mask, 1.0);
            assertArrayEquals(tempered(policy, batch, mask, TAU), values(ref, batch, mask, TAU), 0.0);
            assertEquals(List.of(true, false, true), ref.freshness());
        }
        policy.release();
    }

    @Test
    void thePrecomputedCacheIsKeyedOnTheTemperature() throws IOException {
        Gpt2LMHeadModel policy = Tiny.random(2, 41);
        List<int[]> data = Tiny.sequences(5, 12, 64, 4);
        Path file = Files.createTempDirectory("tau").resolve(PrecomputedReference.FILE_NAME);
        PrecomputedReference.Key hot = PrecomputedReference.Key.of(policy.namedParameters(), data, "tok", TAU);
        PaddedBatch batch = PaddedBatch.rightPadded(data.subList(0, 3), 0);
        Tensor mask = Tiny.completionMask(batch, 1);
        try (PrecomputedReference cached = PrecomputedReference.prepare(file, hot, data, 3, 0, () -> new FrozenCopyReference(policy))) {
            assertArrayEquals(tempered(policy, batch, mask, TAU), values(cached, batch, mask, TAU), 0.0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> values(cached, batch, mask, 1.0));
            assertTrue(e.getMessage().contains("temperature 0.7"), e.getMessage());
        }
        try (PrecomputedReference again = PrecomputedReference.prepare(file, hot, data, 3, 0, () -> new FrozenCopyReference(policy))) {
            assertEquals(PrecomputedReference.Origin.LOADED, again.origin(), "same temperature: the cache is reused");
        }
        PrecomputedReference.Key cold = PrecomputedReference.Key.of(policy.namedParameters(), data, "tok");
        try (PrecomputedReference rebuilt = PrecomputedReference.prepare(file, cold, data, 3, 0, () -> new FrozenCopyReference(policy))) {
            assertEquals(PrecomputedReference.Origin.REBUILT, rebuilt.origin());
            assertTrue(rebuilt.reason().contains("the temperature changed"), rebuilt.reason());
            assertArrayEquals(tempered(policy, batch, mask, 1.0), values(rebuilt, batch, mask, 1.0), 0.0);
        }
        policy.release();
    }

    @Test
    void aStrategyThatOnlyKnowsTemperatureOneRefusesAnother() {
        Gpt2LMHeadModel policy = Tiny.random(2, 41);
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(2, 10, 64, 3), 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        FrozenCopyReference inner = new FrozenCopyReference(policy);
        ReferenceModel plain = new ReferenceModel() {
            @Override
            public TokenLogProbs logProbs(PaddedBatch b, Tensor m) {
                return inner.logProbs(b, m);
            }

            @Override
            public void verifyFrozen() {
            }

            @Override
            public long heldBytes() {
                return 0;
            }

            @Override
            public void close() {
                inner.close();
            }
        };
        try (plain) {
            assertArrayEquals(tempered(policy, batch, mask, 1.0), values(plain, batch, mask, 1.0), 0.0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> values(plain, batch, mask, TAU));
            assertTrue(e.getMessage().contains("temperature 1 only"), e.getMessage());
        }
        policy.release();
    }
}
