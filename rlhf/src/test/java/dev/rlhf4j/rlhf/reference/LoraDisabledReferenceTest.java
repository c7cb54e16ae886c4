package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.optim.AdamW;
import org.junit.jupiter.api.Test;

/**
 * The LoRA-disabled reference through {@link FakeLora}: the pass sees the base model exactly, the adapters are back on
 * after it (also when it throws), scopes nest, nothing is held, and a base weight that moves is caught.
 */
class LoraDisabledReferenceTest {

    @Test
    void theReferencePassSeesTheBaseModelAndTheAdaptersComeBackOn() {
        FakeLora lora = new FakeLora(Tiny.random(2, 21));
        PaddedBatch batch = PaddedBatch.leftPadded(Tiny.sequences(3, 10, 64, 5), 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        try (FrozenCopyReference frozenBase = new FrozenCopyReference(lora.base);
             LoraDisabledReference ref = new LoraDisabledReference(lora, lora.adapterSwitch(), lora.baseWeights())) {
            double[] base = Tiny.values(frozenBase, batch, mask);
            Tiny.train(lora.adapted, new int[] {3, 1, 4, 1, 5, 9, 2, 6}, 3);
            assertArrayEquals(base, Tiny.values(ref, batch, mask), 0.0, "adapters off: the base model exactly");
            assertTrue(lora.adaptersEnabled(), "the adapters are on again after the pass");
            assertEquals(2, lora.switches);
            double[] policy = Tiny.values((LogitsModel) lora, batch, mask);
            assertFalse(java.util.Arrays.equals(base, policy), "with the adapters on the policy has moved away");
            assertEquals(0, ref.heldBytes());
            ref.verifyFrozen();
        }
        lora.release();
    }

    /** nn's LoraModel on a GPT-2: after AdamW steps on the adapters alone, the reference pass is the base model exactly. */
    @Test
    void aRealLoraPolicysReferenceIsItsBaseModel() {
        Gpt2LMHeadModel model = Tiny.random(2, 31);
        PaddedBatch batch = PaddedBatch.leftPadded(Tiny.sequences(3, 10, 64, 7), 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        try (FrozenCopyReference frozenBase = new FrozenCopyReference(model)) {
            double[] base = Tiny.values(frozenBase, batch, mask);
            LoraModel lora = LoraModel.create(model, LoraConfig.gpt2AllProjections(4, 8), new TensorRandom(3));
            AdamW opt = new AdamW(lora.namedParameters(), new AdamW.Config(1e-2, 0.9, 0.95, 1e-8, 0.0), name -> true);
            int[] ids = {3, 1, 4, 1, 5, 9, 2, 6};
            for (int step = 0; step < 3; step++) {
                try (Arena a = Arena.open()) {
                    model.loss(Tensor.ofInts(ids, 1, ids.length)).backward();
                    opt.step();
                    opt.zeroGrad();
                }
            }
            try (LoraDisabledReference ref = LoraDisabledReference.of(model, lora)) {
                assertArrayEquals(base, Tiny.values(ref, batch, mask), 0.0, "adapters off: the base model exactly");
                assertTrue(lora.isEnabled(), "the adapters are on again after the pass");
                double[] policy = Tiny.values((LogitsModel) model::forward, batch, mask);
                assertFalse(java.util.Arrays.equals(base, policy), "the adapters have trained the policy away from its base");
                assertEquals(0, ref.heldBytes());
                ref.verifyFrozen();
            }
            opt.release();
            lora.release();
        }
        model.release();
    }

    @Test
    void aFailingPassStillSwitchesTheAdaptersBackOn() {
        FakeLora lora = new FakeLora(Tiny.random(1, 22));
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(2, 6, 64, 6), 0);
        LoraDisabledReference ref = new LoraDisabledReference(batch2 -> {
            throw new IllegalStateException("forward failed");
        }, lora.adapterSwitch(), lora.baseWeights());
        assertThrows(IllegalStateException.class, () -> ref.logProbs(batch, Tiny.completionMask(batch, 1)));
        assertTrue(lora.adaptersEnabled());
        LoraDisabledReference good = new LoraDisabledReference(lora, lora.adapterSwitch(), lora.baseWeights());
        assertThrows(ShapeException.class, () -> good.logProbs(batch, Tensor.ones(DType.FLOAT32, 2, 2)));
        assertTrue(lora.adaptersEnabled());
        lora.release();
    }

    @Test
    void aScopeOpenedWhileTheAdaptersAreOffLeavesThemOff() {
        FakeLora lora = new FakeLora(Tiny.random(1, 23));
        AdapterSwitch adapters = lora.adapterSwitch();
        try (AdapterSwitch.Scope outer = adapters.disable()) {
            try (AdapterSwitch.Scope inner = adapters.disable()) {
                assertFalse(lora.adaptersEnabled());
            }
            assertFalse(lora.adaptersEnabled(), "the inner scope must not switch them on under the outer one");
        }
        assertTrue(lora.adaptersEnabled());
        lora.release();
    }

    @Test
    void baseWeightsMustBeFrozenAndStaySo() {
        FakeLora lora = new FakeLora(Tiny.random(1, 24));
        try (LoraDisabledReference ref = new LoraDisabledReference(lora, lora.adapterSwitch(), lora.baseWeights())) {
            Tensor w = lora.baseWeights().get("transformer.h.0.attn.c_proj.weight");
            w.scaleInPlace(1.01);
            IllegalStateException e = assertThrows(IllegalStateException.class, ref::verifyFrozen);
            assertTrue(e.getMessage().contains("'transformer.h.0.attn.c_proj.weight' changed"), e.getMessage());
        }
        lora.base.unfreeze();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LoraDisabledReference(lora, lora.adapterSwitch(), lora.baseWeights()));
        assertTrue(e.getMessage().contains("requires grad"), e.getMessage());
        lora.release();
    }
}
