package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Weight divergence against the L2 norms computed on the host, and the scaling identity of a norm. */
class WeightDivergenceTest {

    @Test
    void normsOfTheDifferencePerParameterAndInTotal() {
        Gpt2LMHeadModel policy = Tiny.random(2, 61);
        try (FrozenCopyReference ref = new FrozenCopyReference(policy)) {
            assertEquals(0.0, WeightDivergence.between(policy.namedParameters(), ref.weights()).absolute(), 0.0);
            Tiny.train(policy, new int[] {7, 8, 9, 10, 11}, 3);
            WeightDivergence d = WeightDivergence.between(policy.namedParameters(), ref.weights());
            double diff2 = 0;
            double ref2 = 0;
            for (Map.Entry<String, Tensor> e : policy.namedParameters().entrySet()) {
                double[] p = e.getValue().toDoubleArray();
                double[] r = ref.weights().get(e.getKey()).toDoubleArray();
                double dd = 0;
                double rr = 0;
                for (int i = 0; i < p.length; i++) {
                    dd += (p[i] - r[i]) * (p[i] - r[i]);
                    rr += r[i] * r[i];
                }
                WeightDivergence.Parameter one = d.perParameter().get(e.getKey());
                assertEquals(Math.sqrt(dd), one.absolute(), 1e-12 * Math.sqrt(dd) + 1e-300, e.getKey());
                if (rr > 0) {
                    assertEquals(Math.sqrt(dd / rr), one.relative(), 1e-12, e.getKey());
                }
                diff2 += dd;
                ref2 += rr;
            }
            assertEquals(Math.sqrt(diff2), d.absolute(), 1e-12 * Math.sqrt(diff2));
            assertEquals(Math.sqrt(diff2 / ref2), d.relative(), 1e-12);
            assertEquals(policy.namedParameters().keySet(), d.perParameter().keySet());
        }
        policy.release();
    }

    @Property(tries = 20)
    void movingAlongADirectionScalesTheDivergenceLinearly(@ForAll @DoubleRange(min = -4, max = 4) double c,
                                                         @ForAll @IntRange(min = 1, max = 50) int n, @ForAll long seed) {
        Random random = new Random(seed);
        double[] r = new double[n];
        double[] d = new double[n];
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = random.nextGaussian();
            d[i] = random.nextGaussian();
            p[i] = r[i] + c * d[i];
        }
        WeightDivergence one = WeightDivergence.between(map(r, d, 1.0), map(r, d, 0.0));
        WeightDivergence scaled = WeightDivergence.between(Map.of("w", Tensor.of(p, DType.FLOAT64, n)), map(r, d, 0.0));
        assertEquals(Math.abs(c) * one.absolute(), scaled.absolute(), 1e-12 * (1 + one.absolute()));
        assertEquals(Math.abs(c) * one.relative(), scaled.relative(), 1e-12 * (1 + one.relative()));
    }

    private static Map<String, Tensor> map(double[] r, double[] d, double c) {
        double[] v = new double[r.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = r[i] + c * d[i];
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("w", Tensor.of(v, DType.FLOAT64, v.length));
        return out;
    }

    @Test
    void mismatchedNamesOrShapesAreNamed() {
        Map<String, Tensor> a = Map.of("w", Tensor.zeros(DType.FLOAT32, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> WeightDivergence.between(a, Map.of("v", Tensor.zeros(DType.FLOAT32, 2, 3))));
        ShapeException e = assertThrows(ShapeException.class,
                () -> WeightDivergence.between(a, Map.of("w", Tensor.zeros(DType.FLOAT32, 3, 2))));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("[2,3]") && e.getMessage().contains("[3,2]"), e.getMessage());
    }
}
