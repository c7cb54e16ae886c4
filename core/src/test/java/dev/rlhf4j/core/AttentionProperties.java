package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Scaled dot-product attention: the composite of primitives against a naive closed form and against finite
 * differences, and the single-pass inference kernel against the composite on the strided views GPT-2 passes
 * (heads split out of one projection, keys and values narrowed out of a KV cache).
 */
class AttentionProperties {

    /** q (B, nh, T, hs) as heads of a (B, T, nh*hs) projection; k, v the first Tk positions of (B, nh, cap, hs) caches. */
    private static Tensor[] operands(int b, int nh, int t, int tk, int hs, DType type, long seed) {
        TensorRandom r = new TensorRandom(seed);
        Tensor q = r.normal(type, 0, 1, b, t, nh * hs).reshape(b, t, nh, hs).transpose(1, 2);
        Tensor k = r.normal(type, 0, 1, b, nh, tk + 3, hs).narrow(2, 0, tk);
        Tensor v = r.normal(type, 0, 1, b, nh, tk + 3, hs).narrow(2, 0, tk);
        return new Tensor[] {q, k, v};
    }

    /** 0 or -1e9 per (batch row, query, key): causal with the queries at the last T positions, plus left padding. */
    private static Tensor causalBias(int b, int t, int tk, int pad, DType type) {
        double[] m = new double[b * t * tk];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < tk; j++) {
                    boolean hidden = j > tk - t + i || (r == 0 && j < pad && j != tk - t + i);
                    m[(r * t + i) * tk + j] = hidden ? -1e9 : 0;
                }
            }
        }
        return Tensor.of(m, type, b, 1, t, tk);
    }

    /**
     * An additive bias of {@code shape} (batch and head dimensions 1 or full). A key is hidden (-1e9, or -infinity)
     * by causality with the queries at the last T positions plus a random left padding per batch row (kind 0), or
     * at random (kind 1); every query keeps its own position, so no row is all hidden. A visible entry is 0, or
     * with {@code valued} a finite value in [-2, 2] (a relative-position bias, say).
     */
    private static double[] bias(long[] shape, int kind, boolean valued, boolean infinite, java.util.Random random) {
        int b = (int) shape[0];
        int nh = (int) shape[1];
        int t = (int) shape[2];
        int tk = (int) shape[3];
        double hidden = infinite ? Double.NEGATIVE_INFINITY : -1e9;
        double[] m = new double[b * nh * t * tk];
        for (int r = 0; r < b; r++) {
            int pad = random.nextInt(tk);
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < t; i++) {
                    int own = tk - t + i;
                    for (int j = 0; j < tk; j++) {
                        boolean visible = kind == 0 ? j <= own && j >= pad : random.nextInt(3) > 0;
                        visible |= j == own;
                        m[((r * nh + h) * t + i) * tk + j] = !visible ? hidden : valued ? 4 * random.nextDouble() - 2 : 0;
                    }
                }
            }
        }
        return m;
    }

    /**
     * softmax(q k^T / sqrt(hs) + bias) v written out per (batch, head, query) on the host, from the operands'
     * elements in row-major order; the bias {@code (bb, bh, T, Tk)} is read at batch and head index 0 where its
     * dimension is 1.
     */
    private static double[] naiveAttention(double[] q, double[] k, double[] v, double[] bias, long[] biasShape,
                                           int b, int nh, int t, int tk, int hs) {
        double[] out = new double[b * nh * t * hs];
        for (int r = 0; r < b; r++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < t; i++) {
                    double[] s = new double[tk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        for (int d = 0; d < hs; d++) {
                            s[j] += q[((r * nh + h) * t + i) * hs + d] * k[((r * nh + h) * tk + j) * hs + d];
                        }
                        s[j] /= Math.sqrt(hs);
                        if (bias != null) {
                            int br = biasShape[0] == 1 ? 0 : r;
                            int bh = biasShape[1] == 1 ? 0 : h;
                            s[j] += bias[((br * (int) biasShape[1] + bh) * t + i) * tk + j];
                        }
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < tk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int j = 0; j < tk; j++) {
                        for (int d = 0; d < hs; d++) {
                            out[((r * nh + h) * t + i) * hs + d] += s[j] / z * v[((r * nh + h) * tk + j) * hs + d];
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * With a causal, padding or arbitrary bias, both the composite (recording a graph) and the single-pass kernel
     * (no graph) equal the naive definition, on strided operands of every small shape.
     */
    @Property(tries = 60)
    void biasedAttentionMatchesTheNaiveDefinition(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 3) int nh,
            @ForAll @IntRange(min = 1, max = 4) int t, @ForAll @IntRange(min = 0, max = 4) int extra,
            @ForAll @IntRange(min = 1, max = 6) int hs, @ForAll @IntRange(min = 0, max = 1) int kind, @ForAll boolean valued,
            @ForAll boolean infinite, @ForAll boolean perRow, @ForAll boolean perHead, @ForAll boolean float64,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        int tk = t + extra;
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor[] x = operands(b, nh, t, tk, hs, type, seed);
        long[] biasShape = {perRow ? b : 1, perHead ? nh : 1, t, tk};
        double[] biasValues = bias(biasShape, kind, valued, infinite, new java.util.Random(seed));
        Tensor bias = Tensor.of(biasValues, type, biasShape);
        double[] want = naiveAttention(x[0].toDoubleArray(), x[1].toDoubleArray(), x[2].toDoubleArray(),
                bias.toDoubleArray(), biasShape, b, nh, t, tk, hs);
        double tol = float64 ? 1e-12 : 1e-5;
        Tensor tracked = x[0].copy().requiresGrad(true);
        assertArrayEquals(want, Tensor.scaledDotProductAttention(tracked, x[1], x[2], bias, 0, null).toDoubleArray(), tol, "composite");
        try (NoGrad s = NoGrad.enter()) {
            assertArrayEquals(want, Tensor.scaledDotProductAttention(x[0], x[1], x[2], bias, 0, null).toDoubleArray(), tol, "single pass");
        }
    }

    @Property(tries = 40)
    void singlePassKernelEqualsTheComposite(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 3) int nh,
                                            @ForAll @IntRange(min = 1, max = 4) int t, @ForAll @IntRange(min = 0, max = 5) int extra,
                                            @ForAll @IntRange(min = 1, max = 8) int hs, @ForAll boolean masked,
                                            @ForAll boolean float64, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        int tk = t + extra;
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor[] x = operands(b, nh, t, tk, hs, type, seed);
        Tensor bias = masked ? causalBias(b, t, tk, Math.min(extra, 2), type) : null;
        Tensor[] tracked = {x[0].copy().requiresGrad(true), x[1].copy(), x[2].copy()};
        double[] composite = Tensor.scaledDotProductAttention(tracked[0], tracked[1], tracked[2], bias, 0, null).toDoubleArray();
        double[] fused;
        try (NoGrad s = NoGrad.enter()) {
            fused = Tensor.scaledDotProductAttention(x[0], x[1], x[2], bias, 0, null).toDoubleArray();
        }
        assertArrayEquals(composite, fused, float64 ? 1e-12 : 1e-5);
    }

    @Property(tries = 40)
    void kvCachedStepWritesTheCacheAndAttendsLikeTheComposite(@ForAll @IntRange(min = 1, max = 2) int b,
            @ForAll @IntRange(min = 1, max = 3) int nh, @ForAll @IntRange(min = 1, max = 3) int t,
            @ForAll @IntRange(min = 0, max = 4) int past, @ForAll @IntRange(min = 1, max = 5) int hs, @ForAll boolean masked,
            @ForAll boolean float64, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        TensorRandom r = new TensorRandom(seed);
        Tensor qkv = r.normal(type, 0, 1, b, t, 3 * nh * hs);
        Tensor history = r.normal(type, 0, 1, b, nh, past + t + 2, hs);              // rows past.. are overwritten
        Tensor bias = masked ? causalBias(b, t, past + t, Math.min(past, 2), type) : null;
        Tensor[] caches = {history.copy(), history.copy()};
        double[] composite = Tensor.attentionWithKvCache(qkv.copy().requiresGrad(true), caches[0], caches[1], past, nh, bias)
                .toDoubleArray();
        Tensor[] fusedCaches = {history.copy(), history.copy()};
        double[] fused;
        try (NoGrad s = NoGrad.enter()) {
            fused = Tensor.attentionWithKvCache(qkv, fusedCaches[0], fusedCaches[1], past, nh, bias).toDoubleArray();
        }
        double tol = float64 ? 1e-12 : 1e-5;
        assertArrayEquals(composite, fused, tol);
        assertArrayEquals(caches[0].toDoubleArray(), fusedCaches[0].toDoubleArray(), 0.0);
        assertArrayEquals(caches[1].toDoubleArray(), fusedCaches[1].toDoubleArray(), 0.0);
        // the new keys sit at rows [past, past + t) of head h: qkv[.., C + h hs ..]
        double[] kv = qkv.toDoubleArray();
        double[] keys = fusedCaches[0].toDoubleArray();
        int c = nh * hs;
        int cap = past + t + 2;
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < t; i++) {
                    for (int d = 0; d < hs; d++) {
                        assertEquals(kv[(bi * t + i) * 3 * c + c + h * hs + d], keys[((bi * nh + h) * cap + past + i) * hs + d], 0.0);
                    }
                }
            }
        }
    }

    @Property(tries = 10)
    void gradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int t, @ForAll @IntRange(min = 0, max = 2) int extra,
                                         @ForAll @IntRange(min = 0, max = 1) int kind, @ForAll boolean valued,
                                         @ForAll @IntRange(min = 0, max = 1000) int seed) {
        long[] biasShape = {2, 1, t, t + extra};
        Tensor[] x = operands(2, 2, t, t + extra, 3, DType.FLOAT64, seed);
        Tensor bias = Tensor.of(bias(biasShape, kind, valued, false, new java.util.Random(seed)), DType.FLOAT64, biasShape);
        GradientCheck.Result r = GradientCheck.check(in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2], bias, 0, null),
                x[0].copy().requiresGrad(true), x[1].copy().requiresGrad(true), x[2].copy().requiresGrad(true));
        assertTrue(r.passed(1e-6), r::toString);
    }

    @Test
    void matchesTheNaiveDefinition() {
        Tensor[] x = operands(1, 2, 2, 3, 4, DType.FLOAT64, 17);
        double[] q = x[0].copy().toDoubleArray();
        double[] k = x[1].copy().toDoubleArray();
        double[] v = x[2].copy().toDoubleArray();
        double[] want = new double[2 * 2 * 4];
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 2; i++) {
                double[] s = new double[3];
                double z = 0;
                for (int j = 0; j < 3; j++) {
                    for (int d = 0; d < 4; d++) {
                        s[j] += q[(h * 2 + i) * 4 + d] * k[(h * 3 + j) * 4 + d] / 2.0;
                    }
                }
                for (int j = 0; j < 3; j++) {
                    s[j] = Math.exp(s[j]);
                    z += s[j];
                }
                for (int j = 0; j < 3; j++) {
                    for (int d = 0; d < 4; d++) {
                        want[(h * 2 + i) * 4 + d] += s[j] / z * v[(h * 3 + j) * 4 + d];
                    }
                }
            }
        }
        assertArrayEquals(want, Tensor.scaledDotProductAttention(x[0], x[1], x[2], null, 0, null).toDoubleArray(), 1e-12);
        try (NoGrad s = NoGrad.enter()) {
            assertArrayEquals(want, Tensor.scaledDotProductAttention(x[0], x[1], x[2], null, 0, null).toDoubleArray(), 1e-12);
        }
    }

    @Test
    void kvCacheStepWithoutRoomOrWithTheWrongShapesNamesThem() {
        Tensor qkv = Tensor.zeros(DType.FLOAT64, 1, 2, 12);                         // B 1, T 2, 3 x 2 heads x 2
        Tensor cache = Tensor.zeros(DType.FLOAT64, 1, 2, 3, 2);                     // capacity 3
        ShapeException full = assertThrows(ShapeException.class, () -> Tensor.attentionWithKvCache(qkv, cache, cache.copy(), 2, 2, null));
        assertTrue(full.getMessage().contains("room for 2 + T") && full.getMessage().contains("[1,2,3,2]"), full.getMessage());
        ShapeException flat = assertThrows(ShapeException.class,
                () -> Tensor.attentionWithKvCache(Tensor.zeros(DType.FLOAT64, 12), cache, cache.copy(), 0, 2, null));
        assertTrue(flat.getMessage().contains("[12]"), flat.getMessage());
    }

    @Test
    void mismatchedShapesNameThem() {
        Tensor q = Tensor.zeros(DType.FLOAT64, 1, 2, 3, 4);
        ShapeException e = assertThrows(ShapeException.class,
                () -> Tensor.scaledDotProductAttention(q, Tensor.zeros(DType.FLOAT64, 1, 2, 3, 5), Tensor.zeros(DType.FLOAT64, 1, 2, 3, 5), null, 0, null));
        assertTrue(e.getMessage().contains("[1,2,3,5]"), e.getMessage());
    }
}
