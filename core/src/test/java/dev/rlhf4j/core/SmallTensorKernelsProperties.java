package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The forward-only small-tensor kernels (taken when no graph is recorded) compute the same functions as the
 * ND4J ops taken when a gradient is needed, in float64 to 1e-12 and in float32 to float32 rounding.
 */
class SmallTensorKernelsProperties {

    private static void sameBothWays(Function<Tensor, Tensor> op, long[] shape, long seed, DType type, double tol) {
        Tensor x = new TensorRandom(seed).uniform(type, -4, 4, shape);
        double[] recorded = op.apply(x.copy().requiresGrad(true)).toDoubleArray();      // ND4J ops
        double[] inference;
        try (NoGrad s = NoGrad.enter()) {
            inference = op.apply(x).toDoubleArray();                                    // one Java pass
        }
        assertArrayEquals(recorded, inference, tol);
    }

    @Property(tries = 30)
    void softmaxAgreesWithTheRecordedOp(@ForAll @IntRange(min = 1, max = 3) int rows,
                                                        @ForAll @IntRange(min = 1, max = 40) int width,
                                                        @ForAll boolean float64,
                                                        @ForAll @IntRange(min = 0, max = 1000) int seed) {
        long[] shape = {rows, 2, width};
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        double tol = float64 ? 1e-12 : 2e-6;
        sameBothWays(x -> x.softmax(-1), shape, seed, type, tol);
    }

    @Property(tries = 30)
    void addAgreesWithTheRecordedOp(@ForAll @IntRange(min = 1, max = 50) int width, @ForAll boolean float64,
                                    @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor y = new TensorRandom(seed + 3).uniform(type, -4, 4, 2, width);
        sameBothWays(x -> x.add(y), new long[] {2, width}, seed, type, 0);
    }

    @Property(tries = 30)
    void stridedCopiesPutEveryElementWhereItsIndexSays(@ForAll @IntRange(min = 1, max = 4) int d0, @ForAll @IntRange(min = 1, max = 4) int d1,
                                                      @ForAll @IntRange(min = 1, max = 5) int d2, @ForAll boolean float64,
                                                      @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor x = new TensorRandom(seed).uniform(type, -4, 4, d0, d1, d2);
        double[] v = x.toDoubleArray();
        // a permuted view, copied by reshape: element (k, j, i) of the view is x[i, j, k]
        double[] flat = x.permute(2, 1, 0).reshape(-1).toDoubleArray();
        int n = 0;
        for (int k = 0; k < d2; k++) {
            for (int j = 0; j < d1; j++) {
                for (int i = 0; i < d0; i++) {
                    assertEquals(v[(i * d1 + j) * d2 + k], flat[n++], 0.0);
                }
            }
        }
        // assign into a narrowed view of a larger buffer (a KV cache slot), leaving the rest untouched
        Tensor cache = Tensor.zeros(type, d0, d1 + 2, d2);
        cache.narrow(1, 1, d1).assign(x);
        double[] c = cache.toDoubleArray();
        for (int i = 0; i < d0; i++) {
            for (int j = 0; j < d1 + 2; j++) {
                for (int k = 0; k < d2; k++) {
                    double want = j == 0 || j == d1 + 1 ? 0 : v[(i * d1 + j - 1) * d2 + k];
                    assertEquals(want, c[(i * (d1 + 2) + j) * d2 + k], 0.0);
                }
            }
        }
    }

    @Test
    void closedForms() {
        try (NoGrad s = NoGrad.enter()) {
            double[] p = Tensor.of(new double[] {0, Math.log(3)}, 1, 2).softmax(1).toDoubleArray();
            assertArrayEquals(new double[] {0.25, 0.75}, p, 1e-15);
            // gelu_new(1) = 0.5 (1 + tanh(sqrt(2/pi) 1.044715))
            double want = 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715));
            assertEquals(want, Tensor.of(new double[] {1}, 1).gelu().item(), 1e-15);
        }
    }

    @Test
    void largeTensorsAndOtherDimensionsKeepTheNd4jPath() {
        long[] big = {dev.rlhf4j.core.cpu.CpuKernels.SMALL + 1};
        sameBothWays(x -> x.softmax(-1), big, 3, DType.FLOAT64, 1e-12);
        sameBothWays(x -> x.softmax(0), new long[] {3, 4}, 5, DType.FLOAT64, 1e-12);
    }
}
