package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Every differentiable op: the autograd gradient equals central finite differences in float64 on random shapes. */
class OpGradientProperties {
    private static final double TOLERANCE = 1e-6;

    record Case(long[] a, long[] b, long seed) {
        @Override
        public String toString() {
            return "a" + Arrays.toString(a) + " b" + Arrays.toString(b) + " seed " + seed;
        }
    }

    /** A random shape and a second shape broadcast-compatible with it (dims set to 1, leading dims dropped). */
    @Provide
    Arbitrary<Case> broadcastPair() {
        Arbitrary<long[]> shape = Arbitraries.longs().between(1, 4).array(long[].class).ofMinSize(1).ofMaxSize(3);
        return Combinators.combine(shape, Arbitraries.longs().between(0, 1_000_000)).as((s, seed) -> {
            java.util.Random r = new java.util.Random(seed);
            int drop = r.nextInt(s.length);
            long[] b = Arrays.copyOfRange(s, drop, s.length);
            for (int i = 0; i < b.length; i++) {
                if (r.nextInt(3) == 0) {
                    b[i] = 1;
                }
            }
            return r.nextBoolean() ? new Case(s, b, seed) : new Case(b, s, seed);
        });
    }

    @Provide
    Arbitrary<Case> single() {
        Arbitrary<long[]> shape = Arbitraries.longs().between(1, 4).array(long[].class).ofMinSize(1).ofMaxSize(3);
        return Combinators.combine(shape, Arbitraries.longs().between(0, 1_000_000)).as((s, seed) -> new Case(s, s, seed));
    }

    private static Tensor input(long[] shape, long seed, double low, double high) {
        return new TensorRandom(seed).uniform(DType.FLOAT64, low, high, shape).requiresGrad(true);
    }

    private static void assertGradient(Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradientCheck.Result r = GradientCheck.check(f, inputs);
        assertTrue(r.passed(TOLERANCE), () -> "gradient mismatch: " + r);
    }

    private static void binary(Case c, Function<Tensor[], Tensor> f, double low, double high) {
        assertGradient(f, input(c.a, c.seed, low, high), input(c.b, c.seed + 1, low, high));
    }

    private static void unary(Case c, Function<Tensor, Tensor> f, double low, double high) {
        assertGradient(x -> f.apply(x[0]), input(c.a, c.seed, low, high));
    }

    @Property(tries = 25) void add(@ForAll("broadcastPair") Case c) { binary(c, x -> x[0].add(x[1]), -2, 2); }
    @Property(tries = 25) void sub(@ForAll("broadcastPair") Case c) { binary(c, x -> x[0].sub(x[1]), -2, 2); }
    @Property(tries = 25) void mul(@ForAll("broadcastPair") Case c) { binary(c, x -> x[0].mul(x[1]), -2, 2); }
    @Property(tries = 25) void div(@ForAll("broadcastPair") Case c) { binary(c, x -> x[0].div(x[1]), 0.5, 2); }
    @Property(tries = 25) void minimum(@ForAll("broadcastPair") Case c) { binary(c, x -> x[0].minimum(x[1]), -2, 2); }
    @Property(tries = 25) void maximum(@ForAll("broadcastPair") Case c) { binary(c, x -> x[0].maximum(x[1]), -2, 2); }

    @Property(tries = 15) void scalarOps(@ForAll("single") Case c) { unary(c, x -> x.mul(3.0).add(1.5).neg().div(2.0).sub(0.25), -2, 2); }
    @Property(tries = 15) void pow(@ForAll("single") Case c) { unary(c, x -> x.pow(2.5), 0.5, 2); }
    @Property(tries = 15) void exp(@ForAll("single") Case c) { unary(c, Tensor::exp, -2, 2); }
    @Property(tries = 15) void log(@ForAll("single") Case c) { unary(c, Tensor::log, 0.5, 3); }
    @Property(tries = 15) void sqrt(@ForAll("single") Case c) { unary(c, Tensor::sqrt, 0.5, 3); }
    @Property(tries = 15) void tanh(@ForAll("single") Case c) { unary(c, Tensor::tanh, -2, 2); }
    @Property(tries = 15) void sigmoid(@ForAll("single") Case c) { unary(c, Tensor::sigmoid, -4, 4); }
    @Property(tries = 15) void logSigmoid(@ForAll("single") Case c) { unary(c, Tensor::logSigmoid, -6, 6); }
    @Property(tries = 15) void relu(@ForAll("single") Case c) { unary(c, Tensor::relu, -2, 2); }
    @Property(tries = 15) void abs(@ForAll("single") Case c) { unary(c, Tensor::abs, -2, 2); }
    @Property(tries = 15) void gelu(@ForAll("single") Case c) { unary(c, Tensor::gelu, -3, 3); }
    @Property(tries = 15) void clamp(@ForAll("single") Case c) { unary(c, x -> x.clamp(-0.5, 0.7), -2, 2); }
    @Property(tries = 15) void castRoundTrip(@ForAll("single") Case c) { unary(c, x -> x.to(DType.FLOAT64).mul(x), -2, 2); }

    @Property(tries = 15)
    void sumMeanMaxOverEachDim(@ForAll("single") Case c, @ForAll boolean keepDim) {
        int dim = (int) (c.seed % c.a.length);
        unary(c, x -> x.sum(dim, keepDim), -2, 2);
        unary(c, x -> x.mean(dim, keepDim), -2, 2);
        unary(c, x -> x.max(dim, keepDim), -2, 2);
        unary(c, x -> x.sum().add(x.mean()), -2, 2);
    }

    @Property(tries = 15)
    void softmaxFamily(@ForAll("single") Case c) {
        int dim = (int) (c.seed % c.a.length);
        unary(c, x -> x.softmax(dim), -3, 3);
        unary(c, x -> x.logSoftmax(dim), -3, 3);
        unary(c, x -> x.logSumExp(dim, false), -3, 3);
        unary(c, x -> x.logSumExp(dim, true), -3, 3);
    }

    @Property(tries = 15)
    void reshapePermuteNarrowConcat(@ForAll("single") Case c) {
        unary(c, x -> x.reshape(-1).mul(x.reshape(-1)), -2, 2);
        int r = c.a.length;
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = r - 1 - i;
        }
        unary(c, x -> x.permute(perm).mul(2.0).reshape(-1), -2, 2);
        int dim = (int) (c.seed % r);
        long len = c.a[dim];
        unary(c, x -> x.narrow(dim, len / 2, len - len / 2).exp(), -2, 2);
        unary(c, x -> Tensor.concat(dim, x, x.mul(x)), -2, 2);
    }

    @Property(tries = 20)
    void matmulBatchedAndBroadcast(@ForAll @IntRange(min = 1, max = 4) int m, @ForAll @IntRange(min = 1, max = 4) int k,
                                   @ForAll @IntRange(min = 1, max = 4) int n, @ForAll @IntRange(min = 0, max = 4) int layout,
                                   @ForAll @IntRange(min = 0, max = 1000) int seed) {
        long[][][] shapes = {
            {{m, k}, {k, n}},
            {{2, m, k}, {k, n}},
            {{2, 3, m, k}, {3, k, n}},
            {{m, k}, {2, k, n}},
            {{2, 1, m, k}, {1, 3, k, n}},
        };
        long[] a = shapes[layout][0];
        long[] b = shapes[layout][1];
        assertGradient(x -> x[0].matmul(x[1]), input(a, seed, -1, 1), input(b, seed + 7, -1, 1));
        // transposed operands are stride swaps, not copies: exercise the transposed BLAS paths too
        long[] at = a.clone();
        at[at.length - 1] = a[a.length - 2];
        at[at.length - 2] = a[a.length - 1];
        assertGradient(x -> x[0].transpose(-1, -2).matmul(x[1]), input(at, seed, -1, 1), input(b, seed + 7, -1, 1));
        if (b.length == 2) {
            // a tied head, h @ W^T: W's gradient is written in W's own layout
            long[] w = {b[1], b[0]};
            assertGradient(x -> x[0].matmul(x[1].transpose(0, 1)), input(a, seed, -1, 1), input(w, seed + 7, -1, 1));
            assertGradient(x -> x[0].matmul(x[1].transpose(0, 1)).add(x[1].transpose(0, 1).sum()),
                    input(a, seed, -1, 1), input(w, seed + 7, -1, 1));
        }
    }

    @Property(tries = 15)
    void linearWithItsBias(@ForAll @IntRange(min = 1, max = 4) int m, @ForAll @IntRange(min = 1, max = 4) int k,
                           @ForAll @IntRange(min = 1, max = 4) int n, @ForAll boolean batched, @ForAll boolean torchLayout,
                           @ForAll @IntRange(min = 0, max = 1000) int seed) {
        long[] x = batched ? new long[] {2, m, k} : new long[] {m, k};
        long[] w = torchLayout ? new long[] {n, k} : new long[] {k, n};
        assertGradient(t -> t[0].linear(torchLayout ? t[1].transpose(0, 1) : t[1], t[2]),
                input(x, seed, -1, 1), input(w, seed + 7, -1, 1), input(new long[] {n}, seed + 13, -1, 1));
    }

    @Property(tries = 15)
    void layerNorm(@ForAll("single") Case c) {
        long ch = c.a[c.a.length - 1];
        assertGradient(x -> x[0].layerNorm(x[1], x[2], 1e-5),
                input(c.a, c.seed, -2, 2), input(new long[] {ch}, c.seed + 1, 0.5, 1.5), input(new long[] {ch}, c.seed + 2, -1, 1));
    }

    /**
     * The host kernel splits rows into blocks of 16 and adds the per-block partial sums of dweight and dbias in
     * block order; 33 to 80 rows span three to five blocks (the last mostly partial), with and without a batch
     * dimension.
     */
    @Property(tries = 6)
    void layerNormOverSeveralHostBlocks(@ForAll @IntRange(min = 33, max = 80) int rows, @ForAll @IntRange(min = 2, max = 5) int width,
                                        @ForAll boolean batched, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        long[] shape = batched && rows % 2 == 0 ? new long[] {2, rows / 2, width} : new long[] {rows, width};
        assertGradient(x -> x[0].layerNorm(x[1], x[2], 1e-5),
                input(shape, seed, -2, 2), input(new long[] {width}, seed + 1, 0.5, 1.5), input(new long[] {width}, seed + 2, -1, 1));
    }

    @Property(tries = 15)
    void crossEntropyWithIgnoredTargets(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 2, max = 6) int vocab,
                                        @ForAll @IntRange(min = 0, max = 1000) int seed) {
        java.util.Random r = new java.util.Random(seed);
        long[] targets = new long[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = i > 0 && r.nextInt(4) == 0 ? -100 : r.nextInt(vocab);
        }
        Tensor t = Tensor.ofLongs(targets, rows);
        assertGradient(x -> x[0].crossEntropy(t, -100), input(new long[] {rows, vocab}, seed, -3, 3));
    }

    @Property(tries = 15)
    void gatherAndEmbeddingWithRepeatedIndices(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 2, max = 6) int vocab,
                                               @ForAll @IntRange(min = 0, max = 1000) int seed) {
        java.util.Random r = new java.util.Random(seed);
        long[] ids = new long[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = r.nextInt(vocab);
        }
        Tensor index = Tensor.ofLongs(ids, rows);
        assertGradient(x -> x[0].gatherLast(index), input(new long[] {rows, vocab}, seed, -2, 2));
        Tensor batchIds = Tensor.ofLongs(ids, 1, rows);
        assertGradient(x -> Tensor.embedding(x[0], batchIds), input(new long[] {vocab, 3}, seed, -2, 2));
    }

    @Property(tries = 15)
    void whereAndMaskedFill(@ForAll("broadcastPair") Case c) {
        long[] full = Shapes.broadcast("test", c.a, c.b);
        Tensor cond = new TensorRandom(c.seed + 3).uniform(DType.FLOAT64, 0, 1, c.b).sub(0.5).relu();
        binary(new Case(full, full, c.seed), x -> Tensor.where(cond, x[0], x[1]), -2, 2);
        unary(new Case(full, full, c.seed), x -> x.maskedFill(cond, -7.0), -2, 2);
    }

    @Property(tries = 10)
    void dropoutUsesOneMaskForwardAndBackward(@ForAll("single") Case c) {
        unary(c, x -> x.dropout(0.3, new TensorRandom(c.seed)), -2, 2);
    }
}
