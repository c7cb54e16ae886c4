package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * PyTorch's float32 CPU cross-entropy ({@link TorchCpuCrossEntropy}) and the SLEEF exp/log it rests on: closed
 * forms, the reduction order, finite differences, and agreement with the float64 {@link Tensor#crossEntropy} to
 * float32 precision. Bit-for-bit agreement with PyTorch itself is checked against recorded references in nn
 * ({@code Gpt2GradientTest}).
 */
class TorchCpuCrossEntropyTest {
    @Test
    void uniformLogitsGiveLogVocabularyAndSoftmaxMinusOneHot() {
        int v = 16;
        Tensor logits = Tensor.zeros(DType.FLOAT64, 2, v).requiresGrad(true);
        Tensor loss = TorchCpuCrossEntropy.apply(logits, Tensor.ofLongs(new long[] {3, 9}, 2), -100);
        // out = (0 - 0) - log(16) in float32; the mean of two equal values is that value
        assertEquals(SleefFloat.log(16f), loss.item(), 0.0);
        assertEquals((float) Math.log(16), (float) loss.item(), Math.ulp((float) Math.log(16)));
        loss.backward();
        double[] g = logits.grad().toDoubleArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < v; j++) {
                double want = (1.0 / v - (j == (i == 0 ? 3 : 9) ? 1 : 0)) / 2;
                assertEquals(want, g[i * v + j], 1e-7, "d loss / d z[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void lossIsAFloat32NumberAndGradientKeepsTheInputDtype() {
        Tensor logits = new TensorRandom(5).normal(DType.FLOAT64, 0, 2, 3, 4, 37).requiresGrad(true);   // (B, T, V), V not a multiple of 8
        long[] t = new long[12];
        Random r = new Random(1);
        for (int i = 0; i < t.length; i++) {
            t[i] = r.nextInt(37);
        }
        Tensor loss = TorchCpuCrossEntropy.apply(logits, Tensor.ofLongs(t, 3, 4), -100);
        assertEquals(DType.FLOAT64, loss.dtype());
        assertEquals((double) (float) loss.item(), loss.item(), 0.0, "a float32 value");
        loss.backward();
        assertEquals(DType.FLOAT64, logits.grad().dtype());
        for (double x : logits.grad().toDoubleArray()) {
            assertEquals((double) (float) x, x, 0.0, "a float32 gradient, cast up");
        }
    }

    @Test
    void ignoredRowsGetNoGradientAndAllIgnoredIsNaN() {
        Tensor logits = new TensorRandom(2).normal(DType.FLOAT64, 0, 1, 3, 10).requiresGrad(true);
        TorchCpuCrossEntropy.apply(logits, Tensor.ofLongs(new long[] {4, -100, 0}, 3), -100).backward();
        double[] g = logits.grad().toDoubleArray();
        for (int j = 10; j < 20; j++) {
            assertEquals(0.0, g[j], 0.0);
        }
        assertTrue(Double.isNaN(TorchCpuCrossEntropy.apply(Tensor.of(new double[] {1, 2}, 1, 2), Tensor.ofLongs(new long[] {-100}, 1), -100).item()));
    }

    @Test
    void lanesAreReducedAsAtensEightWideVectors() {
        // ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)): a sequential sum of these gives 0, this order 2
        float[] lanes = {1e8f, 1f, -1e8f, 1f, 1f, 0f, 1f, 0f};
        float expected = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
        assertEquals(expected, TorchCpuCrossEntropy.horizontalSum(lanes), 0f);
        float sequential = 0f;
        for (float x : lanes) {
            sequential += x;
        }
        assertTrue(expected != sequential, "the example distinguishes the orders");
    }

    @Test
    void sleefExpAndLogAreWithinOneUlpOfCorrectlyRoundedAndNotAlwaysEqual() {
        Random r = new Random(7);
        int expDiffer = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = -103f + 190f * r.nextFloat();
            float cr = (float) Math.exp(x);
            float got = SleefFloat.exp(x);
            assertTrue(Math.abs(got - cr) <= Math.ulp(cr), () -> "exp(" + x + ") = " + got + ", correctly rounded " + cr);
            expDiffer += got != cr ? 1 : 0;
            float y = Float.intBitsToFloat(1 + r.nextInt(0x7f7fffff));                   // any positive finite float, subnormals too
            float crLog = (float) Math.log(y);
            float gotLog = SleefFloat.log(y);
            assertTrue(Math.abs(gotLog - crLog) <= Math.ulp(crLog), () -> "log(" + y + ") = " + gotLog + ", correctly rounded " + crLog);
        }
        assertTrue(expDiffer > 0, "SLEEF's exp is faithful, not correctly rounded");
        assertEquals(1f, SleefFloat.exp(0f), 0f);
        assertEquals(0f, SleefFloat.exp(Float.NEGATIVE_INFINITY), 0f);
        assertEquals(Float.POSITIVE_INFINITY, SleefFloat.exp(Float.POSITIVE_INFINITY), 0f);
        assertTrue(Float.isNaN(SleefFloat.exp(Float.NaN)));
        assertEquals(0f, SleefFloat.log(1f), 0f);
        assertEquals(Float.NEGATIVE_INFINITY, SleefFloat.log(0f), 0f);
        assertEquals(Float.POSITIVE_INFINITY, SleefFloat.log(Float.POSITIVE_INFINITY), 0f);
        assertTrue(Float.isNaN(SleefFloat.log(-1f)));
    }

    /** Central differences of a float32-valued loss: a wide step (1e-2) so its rounding stays small against it. */
    @Property(tries = 15)
    void gradientMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 2, max = 20) int vocab,
                                          @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Tensor t = targets(rows, vocab, seed);
        Tensor z = new TensorRandom(seed).uniform(DType.FLOAT64, -3, 3, rows, vocab).requiresGrad(true);
        GradientCheck.Result r = GradientCheck.check(x -> TorchCpuCrossEntropy.apply(x[0], t, -100), 1e-2, z);
        assertTrue(r.passed(1e-4), () -> "gradient mismatch: " + r);
    }

    /** The same loss as the float64 cross-entropy, to float32 precision, value and gradient. */
    @Property(tries = 15)
    void agreesWithFloat64CrossEntropyToFloat32Precision(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 2, max = 70) int vocab,
                                                       @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Tensor t = targets(rows, vocab, seed);
        Tensor a = new TensorRandom(seed).normal(DType.FLOAT64, 0, 3, rows, vocab).requiresGrad(true);
        Tensor b = a.detach().copy().requiresGrad(true);
        Tensor la = TorchCpuCrossEntropy.apply(a, t, -100);
        Tensor lb = b.crossEntropy(t, -100);
        assertEquals(lb.item(), la.item(), 1e-6 * Math.max(1, Math.abs(lb.item())));
        la.backward();
        lb.backward();
        double[] ga = a.grad().toDoubleArray();
        double[] gb = b.grad().toDoubleArray();
        for (int k = 0; k < ga.length; k++) {
            assertEquals(gb[k], ga[k], 1e-6, "gradient element " + k);
        }
    }

    private static Tensor targets(int rows, int vocab, int seed) {
        Random r = new Random(seed);
        long[] t = new long[rows];
        for (int i = 0; i < rows; i++) {
            t[i] = i > 0 && r.nextInt(4) == 0 ? -100 : r.nextInt(vocab);
        }
        return Tensor.ofLongs(t, rows);
    }
}
