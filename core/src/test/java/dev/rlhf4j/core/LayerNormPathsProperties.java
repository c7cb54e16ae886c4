package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The host-memory layer norm (the CPU path, rows split across cores) against the ND4J-op path other backends
 * take: the same output and the same gradients for input, weight and bias, on shapes that span several
 * parallel blocks. (Both are checked against finite differences in {@link OpGradientProperties}.)
 */
class LayerNormPathsProperties {

    /**
     * Each path's error against the float64 ND4J ops on the same values, row by row: the host kernel's is at most
     * a few times the ND4J ops' own (in float32 a row whose variance is near eps amplifies both roundings by up to
     * rstd^2, e.g. width 2), or within the tolerance.
     */
    @Property(tries = 25)
    void hostKernelAndNd4jOpsAgree(@ForAll @IntRange(min = 1, max = 40) int rows, @ForAll @IntRange(min = 1, max = 24) int width,
                                   @ForAll boolean float64, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        double tol = float64 ? 1e-12 : 2e-4;
        TensorRandom r = new TensorRandom(seed);
        Tensor x = r.normal(type, 0.5, 2, 2, rows, width);
        Tensor w = r.uniform(type, 0.5, 1.5, width);
        Tensor b = r.uniform(type, -1, 1, width);
        Tensor upstream = r.normal(type, 0, 1, 2, rows, width);
        double[][] host = run(x, w, b, upstream, false);
        double[][] ops = run(x, w, b, upstream, true);
        double[][] exact = run(x.to(DType.FLOAT64), w.to(DType.FLOAT64), b.to(DType.FLOAT64), upstream.to(DType.FLOAT64), true);
        String[] names = {"output", "dx", "dw", "db"};
        for (int i = 0; i < host.length; i++) {
            for (int row = 0; row < host[i].length / width; row++) {
                double hostErr = 0;
                double opsErr = 0;
                double scale = 0;
                for (int j = row * width; j < (row + 1) * width; j++) {
                    hostErr = Math.max(hostErr, Math.abs(host[i][j] - exact[i][j]));
                    opsErr = Math.max(opsErr, Math.abs(ops[i][j] - exact[i][j]));
                    scale = Math.max(scale, Math.abs(exact[i][j]));
                }
                assertTrue(hostErr <= 4 * opsErr + tol * (1 + scale),
                        names[i] + " row " + row + ": host error " + hostErr + ", ND4J ops error " + opsErr + ", scale " + scale);
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
