package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The float32 SIMD kernels (GELU, cross-entropy, log-softmax-gather, entropy) against the float64 ND4J-op path on
 * the same values, and slices' gradients in float32 against float64: each float32 result within float32 rounding
 * of the float64 one (relative to the largest magnitude, since single elements near zero carry only absolute
 * float32 error). (Both types take the host pass for slices; {@link HostCopiesProperties} checks it against ND4J.)
 */
class Float32KernelsProperties {

    @Test
    void theVectorKernelsRunUnderTheTestRunner() {
        assertTrue(dev.rlhf4j.core.cpu.CpuKernels.applies(dev.rlhf4j.core.cpu.CpuKernels.Path.SIMD, Tensor.zeros(DType.FLOAT32, 2).value()), "surefire's argLine adds jdk.incubator.vector; without it these tests compare ND4J with itself");
    }

    /** Forward value and gradient of {@code op} in float32 and in float64 from the same float32-representable inputs. */
    private static void agrees(Function<Tensor, Tensor> op, Tensor x32, Tensor upstream, double tol) {
        agrees(op, x32, upstream, tol, 0);
    }

    /**
     * As above, with an absolute {@code floor} under the tolerance for results that cancel: a loss near zero from
     * logits near 20, a softmax near 1 minus its one-hot, a sum of terms of both signs.
     */
    private static void agrees(Function<Tensor, Tensor> op, Tensor x32, Tensor upstream, double tol, double floor) {
        Tensor x64 = x32.to(DType.FLOAT64).detach().requiresGrad(true);
        x32 = x32.detach().requiresGrad(true);
        try (Arena a = Arena.open()) {
            Tensor y32 = op.apply(x32);
            Tensor y64 = op.apply(x64);
            close(y64.toDoubleArray(), y32.toDoubleArray(), tol, floor, "forward");
            if (y32.numel() == 1) {
                y32.backward();
                y64.backward();
            } else {
                y32.backward(upstream.to(DType.FLOAT32));
                y64.backward(upstream.to(DType.FLOAT64));
            }
            close(x64.grad().toDoubleArray(), x32.grad().toDoubleArray(), tol, floor, "gradient");
        }
        x32.release();
        x64.release();
    }

    private static void close(double[] want, double[] got, double tol, double floor, String what) {
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], Math.max(floor, tol * Math.max(scale, 1e-30)), what + " element " + i);
        }
    }

    @Property(tries = 20)
    void geluMatchesFloat64(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 1, max = 200) int width,
                            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        TensorRandom r = new TensorRandom(seed);
        Tensor x = r.uniform(DType.FLOAT32, -12, 12, rows, width);                  // both tails of the sigmoid
        // the far negative tail (gelu(-12) = -6e-31) carries exp's float32 argument error (~1e-5 relative): absolute floor
        agrees(Tensor::gelu, x, r.normal(DType.FLOAT32, 0, 1, rows, width), 2e-6, 1e-6);
    }

    @Property(tries = 20)
    void crossEntropyMatchesFloat64(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 2, max = 300) int vocab,
                                    @ForAll @IntRange(min = 0, max = 1000) int seed) {
        TensorRandom r = new TensorRandom(seed);
        Tensor logits = r.uniform(DType.FLOAT32, -20, 20, rows, vocab);
        long[] targets = new long[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = i % 3 == 2 ? -100 : r.nextLong(vocab);                      // every third row ignored
        }
        Tensor t = Tensor.ofLongs(targets, rows);
        // lse - z[t] from logits up to 20 in magnitude: a few float32 ulps of 20 (1.9e-6 each), whatever the loss;
        // the gradient exp(z - lse) - onehot: a few ulps of 1 where the softmax is near one
        agrees(z -> z.crossEntropy(t, -100), logits, null, 2e-6, 8e-6);
    }

    @Property(tries = 30)
    void logSoftmaxGatherMatchesFloat64(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 5) int rows,
                                       @ForAll @IntRange(min = 2, max = 300) int vocab, @ForAll @IntRange(min = 0, max = 2) int tempo,
                                       @ForAll @IntRange(min = 0, max = 1000) int seed) {
        TensorRandom r = new TensorRandom(seed);
        double temperature = new double[] {1.0, 0.7, 1.3}[tempo];
        Tensor logits = r.uniform(DType.FLOAT32, -20, 20, batch, rows + 1, vocab);
        long[] targets = new long[batch * rows];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = r.nextLong(vocab);
        }
        Tensor t = Tensor.ofLongs(targets, batch, rows);
        // float32 runs the fused SIMD pass; float64 runs the composite logSoftmax(z / tau).gatherLast(t) that defines it
        // on logits[:, :-1], a strided view as the trainers pass it
        agrees(z -> z.narrow(1, 0, rows).logSoftmaxGather(t, temperature), logits, r.normal(DType.FLOAT32, 0, 1, batch, rows), 4e-6, 2e-5);
    }

    @Property(tries = 30)
    void softmaxEntropyAsAMetricMatchesFloat64(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 2, max = 5) int rows,
                                             @ForAll @IntRange(min = 2, max = 300) int vocab, @ForAll @IntRange(min = 0, max = 2) int tempo,
                                             @ForAll @IntRange(min = 0, max = 1000) int seed) {
        TensorRandom r = new TensorRandom(seed);
        double temperature = new double[] {1.0, 0.7, 1.3}[tempo];
        Tensor logits = r.uniform(DType.FLOAT32, -20, 20, batch, rows, vocab);
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor shifted = logits.narrow(1, 0, rows - 1);                               // a strided view, as logits[:, :-1]
            double[] fused = shifted.softmaxEntropy(temperature).toDoubleArray();        // the SIMD pass
            Tensor wide = shifted.to(DType.FLOAT64);
            Tensor logp = wide.div(temperature).logSoftmax(-1);
            double[] composite = logp.exp().mul(logp).sum(-1, false).neg().toDoubleArray();
            close(composite, fused, 4e-6, 2e-5, "entropy");
        }
        logits.release();
    }

    @Test
    void crossEntropyOfOnlyIgnoredRowsIsNanWithZeroGradient() {
        Tensor z = new TensorRandom(4).normal(DType.FLOAT32, 0, 1, 2, 50).requiresGrad(true);
        try (Arena a = Arena.open()) {
            Tensor loss = z.crossEntropy(Tensor.ofLongs(new long[] {-100, -100}, 2), -100);
            assertTrue(Double.isNaN(loss.item()));
            loss.backward();
            for (double g : z.grad().toDoubleArray()) {
                assertEquals(0.0, g, "PyTorch gives ignored rows no gradient");
            }
        }
        z.release();
    }

    @Property(tries = 20)
    void slicesOfOneTensorAddTheirGradientsIntoItsRegions(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 9) int part,
                                                          @ForAll @IntRange(min = 0, max = 1000) int seed) {
        TensorRandom r = new TensorRandom(seed);
        Tensor x = r.uniform(DType.FLOAT32, -2, 2, rows, 3 * part);
        Tensor w = r.uniform(DType.FLOAT32, -2, 2, rows, part);
        // q, k, v split as attention does, plus an overlapping slice: d/dx of sum(q*w) + sum(k) + 2 sum(v) + sum(x[:, 0:part+1]^2)
        agrees(z -> z.narrow(1, 0, part).mul(w.to(z.dtype())).sum()
                        .add(z.narrow(1, part, part).sum())
                        .add(z.narrow(1, 2 * part, part).mul(2.0).sum())
                        .add(z.narrow(1, 0, Math.min(3 * part, part + 1)).pow(2).sum()),
                x, null, 2e-6, 2e-5);
    }
}
