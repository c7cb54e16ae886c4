package dev.rlhf4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

/** {@link VectorExp} against the correctly rounded exp, lane against scalar tail, and its edge cases. */
class VectorExpTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Property(tries = 2000)
    void withinOneUlpOfTheExactExpAndEveryLaneEqualsTheScalarTail(@ForAll @FloatRange(min = -110f, max = 95f) float x) {
        float expected = (float) Math.exp(x);                                   // double exp rounded once: within 0.5 ulp
        float scalar = VectorExp.exp(x);
        assertTrue(scalar == expected || Math.abs(scalar - expected) <= Math.ulp(expected), x + ": " + scalar + " vs " + expected);
        float[] lanes = VectorExp.exp(FloatVector.broadcast(S, x)).toArray();
        for (float lane : lanes) {
            assertEquals(Float.floatToIntBits(scalar), Float.floatToIntBits(lane), "lane differs from the scalar tail at " + x);
        }
    }

    @Test
    void edgeCases() {
        float[] in = {0f, -0f, 1f, -104.5f, 100.5f, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -87.5f, 88.5f};
        for (float x : in) {
            float v = VectorExp.exp(x);
            float lane = VectorExp.exp(FloatVector.broadcast(S, x)).lane(0);
            assertEquals(Float.floatToIntBits(v), Float.floatToIntBits(lane), "lane vs scalar at " + x);
            float expected = (float) Math.exp(x);
            if (Float.isNaN(expected) || Float.isInfinite(expected) || expected == 0f) {
                assertEquals(expected, v, "at " + x);
            } else {
                assertTrue(Math.abs(v - expected) <= Math.ulp(expected), x + ": " + v + " vs " + expected);
            }
        }
        assertEquals(1f, VectorExp.exp(0f));
    }
}
