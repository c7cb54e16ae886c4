package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

/**
 * TR-DPO's synchronisation: alpha 1 copies the policy, alpha 0 leaves the reference as it was, and any alpha gives
 * TRL's {@code ref.mul_(1 - alpha).add_(policy, alpha=alpha)} computed on the host in float32 arithmetic; only steps
 * that are multiples of ref_model_sync_steps synchronise.
 */
class SynchronizedReferenceTest {
    private static final int[] TEXT = {3, 14, 15, 9, 26, 5, 35};

    private static Map<String, float[]> snapshot(Map<String, Tensor> weights) {
        Map<String, float[]> out = new LinkedHashMap<>();
        weights.forEach((name, t) -> out.put(name, t.toFloatArray()));
        return out;
    }

    @Property(tries = 12)
    void anyAlphaIsTheStatedMix(@ForAll @DoubleRange(min = 0.0, max = 1.0) double alpha) {
        Gpt2LMHeadModel policy = Tiny.random(1, 51);
        try (SynchronizedReference ref = new SynchronizedReference(policy, 1, alpha)) {
            Map<String, float[]> before = snapshot(ref.weights());
            Tiny.train(policy, TEXT, 2);
            Map<String, float[]> p = snapshot(policy.namedParameters());
            ref.synchronize(policy);
            for (Map.Entry<String, Tensor> e : ref.weights().entrySet()) {
                float[] r = before.get(e.getKey());
                float[] q = p.get(e.getKey());
                float[] got = e.getValue().toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    float want = alpha == 1.0 ? q[i] : r[i] * (float) (1.0 - alpha) + (float) alpha * q[i];
                    double ulps = Math.ulp(Math.max(Math.abs(want), Math.max(Math.abs(r[i]), Math.abs(q[i]))));
                    assertEquals(want, got[i], 2 * ulps, e.getKey() + "[" + i + "] alpha " + alpha);
                }
            }
            ref.verifyFrozen();
        }
        policy.release();
    }

    @Test
    void alphaOneCopiesAndAlphaZeroLeavesTheReferenceUntouched() {
        Gpt2LMHeadModel policy = Tiny.random(2, 52);
        try (SynchronizedReference hard = new SynchronizedReference(policy, 1, 1.0);
             SynchronizedReference none = new SynchronizedReference(policy, 1, 0.0)) {
            Map<String, float[]> start = snapshot(none.weights());
            Tiny.train(policy, TEXT, 2);
            hard.onStep(policy, 1);
            none.onStep(policy, 1);
            Map<String, float[]> p = snapshot(policy.namedParameters());
            Map<String, float[]> copied = snapshot(hard.weights());
            Map<String, float[]> kept = snapshot(none.weights());
            p.forEach((name, w) -> {
                assertArrayEquals(w, copied.get(name), 0f, name);
                assertArrayEquals(start.get(name), kept.get(name), 0f, name);
            });
            assertEquals(0.0, WeightDivergence.between(policy.namedParameters(), hard.weights()).absolute(), 0.0);
        }
        policy.release();
    }

    @Test
    void onlyMultiplesOfTheSyncStepsSynchroniseAndTheSealFollows() {
        Gpt2LMHeadModel policy = Tiny.random(1, 53);
        try (SynchronizedReference ref = new SynchronizedReference(policy, 3, 0.5)) {
            Map<String, float[]> start = snapshot(ref.weights());
            for (long step = 1; step <= 2; step++) {
                Tiny.train(policy, TEXT, 1);
                ref.onStep(policy, step);
            }
            assertEquals(0, ref.syncs());
            start.forEach((name, w) -> assertArrayEquals(w, snapshot(ref.weights()).get(name), 0f));
            Tiny.train(policy, TEXT, 1);
            ref.onStep(policy, 3);
            assertEquals(1, ref.syncs());
            assertEquals(3, ref.lastSyncStep());
            ref.verifyFrozen();                                                 // sealed anew at the synchronisation
            ref.weights().get("transformer.ln_f.weight").scaleInPlace(2.0);
            IllegalStateException e = assertThrows(IllegalStateException.class, ref::verifyFrozen);
            assertTrue(e.getMessage().contains("transformer.ln_f.weight"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new SynchronizedReference(policy, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new SynchronizedReference(policy, 1, 1.5));
        policy.release();
    }
}
