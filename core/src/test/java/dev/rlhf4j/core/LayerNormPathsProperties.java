package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The host-memory layer norm (the CPU path, rows split across cores) against the ND4J-op path other backends
 * take: the same output and the same gradients for input, weight and bias, on shapes that span several
 * parallel blocks. (Both are checked against finite differences in {@link OpGradientProperties}.)
 */
class LayerNormPathsProperties {

    @Property(tries = 25)
    void hostKernelAndNd4jOpsAgree(@ForAll @IntRange(min = 1, max = 40) int rows, @ForAll @IntRange(min = 1, max = 24) int width,
                                   @ForAll boolean float64, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        double tol = float64 ? 1e-12 : 2e-4;                  // float32: its rounding, amplified by dx's cancellation
        TensorRandom r = new TensorRandom(seed);
        Tensor x = r.normal(type, 0.5, 2, 2, rows, width);
        Tensor w = r.uniform(type, 0.5, 1.5, width);
        Tensor b = r.uniform(type, -1, 1, width);
        Tensor upstream = r.normal(type, 0, 1, 2, rows, width);
        double[][] host = run(x, w, b, upstream, false);
        double[][] ops = run(x, w, b, upstream, true);
        for (int i = 0; i < host.length; i++) {
            for (int j = 0; j < host[i].length; j++) {
                double want = ops[i][j];
                assertEquals(want, host[i][j], tol * (1 + Math.abs(want)), "output/dx/dw/db #" + i + " element " + j);
            }
        }
    }

    /** Output and gradients of sum(layerNorm(x) * upstream), by the host kernel or the ND4J ops. */
    private static double[][] run(Tensor x0, Tensor w0, Tensor b0, Tensor upstream, boolean withOps) {
        Tensor x = x0.copy().requiresGrad(true);
        Tensor w = w0.copy().requiresGrad(true);
        Tensor b = b0.copy().requiresGrad(true);
        Tensor y = withOps ? LayerNorm.withOps(x, w, b, x.computeValue(), w.computeValue(), b.computeValue(), 1e-5)
                : x.layerNorm(w, b, 1e-5);
        y.mul(upstream).sum().backward();
        return new double[][] {y.toDoubleArray(), x.grad().toDoubleArray(), w.grad().toDoubleArray(), b.grad().toDoubleArray()};
    }
}
