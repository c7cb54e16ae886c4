package dev.rlhf4j.rlhf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.GradientCheck;
import dev.rlhf4j.core.Tensor;
import java.util.Random;
import java.util.function.Function;

/**
 * Random batches for the property tests: padded rows (prompt masked, completion selected, padding masked) and
 * arbitrary 0/1 masks with at least one selected entry per row.
 */
public final class Batches {
    /** Gradient checks in float64 with central differences reach about 1e-8; 1e-6 leaves room. */
    public static final double GRAD_TOL = 1e-6;

    private Batches() {
    }

    /** Row-major (B, T) 0/1: each row a run of masked prompt, at least one selected token, masked padding. */
    private static double[] completionMask(int b, int t, Random random) {
        double[] m = new double[b * t];
        for (int i = 0; i < b; i++) {
            int prompt = random.nextInt(t);
            int completion = 1 + random.nextInt(t - prompt);
            for (int j = prompt; j < prompt + completion; j++) {
                m[i * t + j] = 1.0;
            }
        }
        return m;
    }

    /**
     * Row-major (B, T) 0/1 with at least one selected entry per row, each row drawn from one of three patterns:
     * a contiguous completion (as {@link #completionMask}), a single selected token anywhere, or independent
     * entries (so holes inside a row, and a row selecting everything, both occur).
     */
    public static double[] anyMask(int b, int t, Random random) {
        double[] m = new double[b * t];
        for (int i = 0; i < b; i++) {
            switch (random.nextInt(3)) {
                case 0 -> System.arraycopy(completionMask(1, t, random), 0, m, i * t, t);
                case 1 -> m[i * t + random.nextInt(t)] = 1.0;
                default -> {
                    double p = 0.2 + 0.7 * random.nextDouble();
                    for (int j = 0; j < t; j++) {
                        m[i * t + j] = random.nextDouble() < p ? 1.0 : 0.0;
                    }
                    m[i * t + random.nextInt(t)] = 1.0;
                }
            }
        }
        return m;
    }

    /** Number of selected entries. */
    public static double count(double[] mask) {
        double n = 0;
        for (double x : mask) {
            n += x;
        }
        return n;
    }

    /** Uniform values in [low, high), row-major. */
    public static double[] uniform(int n, double low, double high, Random random) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = low + (high - low) * random.nextDouble();
        }
        return v;
    }

    /** A copy of {@code x} with every masked entry (mask 0) replaced by a large arbitrary value. */
    public static double[] scrambleMasked(double[] x, double[] mask, Random random) {
        double[] out = x.clone();
        for (int i = 0; i < x.length; i++) {
            if (mask[i] == 0.0) {
                out[i] = (random.nextDouble() - 0.5) * 1e3;
            }
        }
        return out;
    }

    public static Tensor t64(double[] v, long... shape) {
        return Tensor.of(v, DType.FLOAT64, shape);
    }

    /** A float64 leaf that requires a gradient. */
    public static Tensor variable(double[] v, long... shape) {
        return Tensor.of(v, DType.FLOAT64, shape).requiresGrad(true);
    }

    public static void assertGradientMatches(Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradientCheck.Result r = GradientCheck.check(f, inputs);
        assertTrue(r.passed(GRAD_TOL), () -> "autograd vs finite differences: " + r);
    }

    public static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertTrue(expected.length == actual.length, what + ": lengths " + expected.length + " vs " + actual.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            int k = i;
            assertTrue(Math.abs(e - a) <= tol * Math.max(1.0, Math.abs(e)),
                    () -> what + "[" + k + "]: expected " + e + ", got " + a);
        }
    }
}
