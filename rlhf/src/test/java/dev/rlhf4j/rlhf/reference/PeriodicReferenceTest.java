package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The periodic reference: fresh exactly on every k-th iteration (and on a new shape), the last values reused between. */
class PeriodicReferenceTest {

    /** Counts the passes of a frozen copy and forwards every call. */
    private static final class Counting implements ReferenceModel {
        private final FrozenCopyReference inner;
        int passes;
        long lastStep;

        Counting(Gpt2LMHeadModel policy) {
            this.inner = new FrozenCopyReference(policy);
        }

        @Override
        public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
            passes++;
            return inner.logProbs(batch, completionMask);
        }

        @Override
        public void onStep(Module policy, long step) {
            lastStep = step;
        }

        @Override
        public void verifyFrozen() {
            inner.verifyFrozen();
        }

        @Override
        public long heldBytes() {
            return inner.heldBytes();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Property(tries = 6)
    void freshExactlyEveryKthIterationAndTheLastValuesReusedBetween(@ForAll @IntRange(min = 1, max = 4) int every) {
        Gpt2LMHeadModel policy = Tiny.random(1, 41);
        Counting counting = new Counting(policy);
        List<Boolean> expected = new ArrayList<>();
        try (PeriodicReference ref = new PeriodicReference(counting, every)) {
            double[] lastFresh = null;
            for (int i = 0; i < 7; i++) {
                List<int[]> rows = Tiny.sequences(2, 9, 64, 100 + i);
                rows.set(0, Arrays.copyOf(rows.get(0), 9));                        // same width every iteration
                PaddedBatch batch = PaddedBatch.rightPadded(rows, 0);
                Tensor mask = Tiny.completionMask(batch, 1);
                double[] got = Tiny.values(ref, batch, mask);
                boolean fresh = i % every == 0;
                expected.add(fresh);
                assertEquals(fresh, ref.lastWasFresh(), "iteration " + i);
                assertEquals(i % every, ref.staleness());
                if (fresh) {
                    lastFresh = Tiny.values(new FrozenCopyReference(policy), batch, mask);
                    assertArrayEquals(lastFresh, got, 0.0);
                } else {
                    double[] m = mask.toDoubleArray();
                    for (int j = 0; j < got.length; j++) {
                        assertEquals(m[j] == 0 ? 0.0 : lastFresh[j], got[j], 0.0, "reused, masked by this iteration's mask");
                    }
                }
            }
            assertEquals(expected, ref.freshness());
            assertEquals((7 + every - 1) / every, counting.passes, "one reference pass per fresh iteration");
            ref.onStep(policy, 5);
            assertEquals(5, counting.lastStep, "steps reach the inner strategy");
            ref.verifyFrozen();
        }
        policy.release();
    }

    @Test
    void aBatchOfAnotherShapeIsComputedFreshAndSaysSo() {
        Gpt2LMHeadModel policy = Tiny.random(1, 42);
        try (PeriodicReference ref = new PeriodicReference(new FrozenCopyReference(policy), 10)) {
            PaddedBatch a = PaddedBatch.rightPadded(List.of(new int[] {1, 2, 3, 4}), 0);
            PaddedBatch b = PaddedBatch.rightPadded(List.of(new int[] {1, 2, 3, 4, 5, 6}), 0);
            Tiny.values(ref, a, Tiny.completionMask(a, 1));
            Tiny.values(ref, a, Tiny.completionMask(a, 1));
            assertFalse(ref.lastWasFresh());
            double[] got = Tiny.values(ref, b, Tiny.completionMask(b, 1));
            assertTrue(ref.lastWasFresh(), "values of another shape cannot be reused");
            assertArrayEquals(Tiny.values(new FrozenCopyReference(policy), b, Tiny.completionMask(b, 1)), got, 0.0);
            assertEquals(List.of(true, false, true), ref.freshness());
        }
        policy.release();
    }
}
