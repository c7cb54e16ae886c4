package dev.rlhf4j.rlhf.logprob;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.anyMask;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static dev.rlhf4j.rlhf.Batches.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Next-token log-probs, sums, means and entropy against a plain-Java log-softmax in double. */
class TokenLogProbsTest {
    private static final int V = 7;

    /** log_softmax(row / temperature)[k], written out on the host. */
    private static double hostLogProb(double[] logits, int offset, int k, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) {
            max = Math.max(max, logits[offset + v] / temperature);
        }
        double z = 0;
        for (int v = 0; v < V; v++) {
            z += Math.exp(logits[offset + v] / temperature - max);
        }
        return logits[offset + k] / temperature - max - Math.log(z);
    }

    private static double hostEntropy(double[] logits, int offset, double temperature) {
        double h = 0;
        for (int v = 0; v < V; v++) {
            double lp = hostLogProb(logits, offset, v, temperature);
            h -= Math.exp(lp) * lp;
        }
        return h;
    }

    private static int[] ids(int b, int t, Random random) {
        int[] ids = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(V);
        }
        return ids;
    }

    @Property(tries = 30)
    void logProbsSumsMeansAndEntropyMatchTheHost(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 2, max = 6) int t,
                                                  @ForAll @DoubleRange(min = 0.3, max = 2.0) double temperature, @ForAll long seed) {
        Random random = new Random(seed);
        double[] logits = uniform(b * t * V, -4, 4, random);
        int[] ids = ids(b, t, random);
        double[] mask = anyMask(b, t - 1, random);
        try (Arena arena = Arena.open()) {
            Tensor m = t64(mask, b, t - 1);
            TokenLogProbs lp = TokenLogProbs.of(t64(logits, b, t, V), Tensor.ofInts(ids, b, t), m, temperature);
            Tensor entropy = TokenEntropy.of(t64(logits, b, t, V), m, temperature);
            double[] expected = new double[b * (t - 1)];
            double[] expectedEntropy = new double[b * (t - 1)];
            double[] sums = new double[b];
            double[] means = new double[b];
            for (int i = 0; i < b; i++) {
                int n = 0;
                for (int s = 0; s < t - 1; s++) {
                    int k = i * (t - 1) + s;
                    if (mask[k] == 0) {
                        continue;
                    }
                    int offset = (i * t + s) * V;
                    expected[k] = hostLogProb(logits, offset, (int) ids[i * t + s + 1], temperature);
                    expectedEntropy[k] = hostEntropy(logits, offset, temperature);
                    sums[i] += expected[k];
                    n++;
                }
                means[i] = sums[i] / n;
            }
            assertClose(expected, lp.logProbs().toDoubleArray(), 1e-12, "logp");
            assertClose(expectedEntropy, entropy.toDoubleArray(), 1e-12, "entropy");
            assertClose(sums, lp.sum().toDoubleArray(), 1e-12, "sum");
            assertClose(means, lp.mean().toDoubleArray(), 1e-12, "mean");
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyResult(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 2, max = 6) int t,
                                             @ForAll long seed) {
        Random random = new Random(seed);
        double[] logits = uniform(b * t * V, -4, 4, random);
        int[] ids = ids(b, t, random);
        double[] mask = anyMask(b, t - 1, random);
        double[] otherLogits = logits.clone();
        int[] otherIds = ids.clone();
        for (int i = 0; i < b; i++) {
            for (int s = 0; s < t - 1; s++) {
                if (mask[i * (t - 1) + s] == 0) {
                    for (int v = 0; v < V; v++) {
                        otherLogits[(i * t + s) * V + v] = (random.nextDouble() - 0.5) * 1e3;
                    }
                    otherIds[i * t + s + 1] = random.nextInt(V);
                }
            }
            otherIds[i * t] = random.nextInt(V);                    // the first token is never predicted
            for (int v = 0; v < V; v++) {
                otherLogits[(i * t + t - 1) * V + v] = random.nextDouble() * 1e3;   // the last position predicts nothing
            }
        }
        try (Arena arena = Arena.open()) {
            Tensor m = t64(mask, b, t - 1);
            TokenLogProbs a = TokenLogProbs.of(t64(logits, b, t, V), Tensor.ofInts(ids, b, t), m, 1.0);
            Tensor scrambled = variable(otherLogits, b, t, V);
            TokenLogProbs c = TokenLogProbs.of(scrambled, Tensor.ofInts(otherIds, b, t), m, 1.0);
            assertArrayEquals(a.logProbs().toDoubleArray(), c.logProbs().toDoubleArray(), 1e-12);
            assertArrayEquals(a.sum().toDoubleArray(), c.sum().toDoubleArray(), 1e-12);
            assertArrayEquals(TokenEntropy.of(t64(logits, b, t, V), m, 1.0).toDoubleArray(),
                    TokenEntropy.of(scrambled, m, 1.0).toDoubleArray(), 1e-12);
            c.sum().sum().backward();
            double[] grad = scrambled.grad().toDoubleArray();
            for (int i = 0; i < b; i++) {
                for (int s = 0; s < t; s++) {
                    boolean scored = s < t - 1 && mask[i * (t - 1) + s] != 0;
                    for (int v = 0; v < V && !scored; v++) {
                        assertEquals(0.0, grad[(i * t + s) * V + v], 0.0, "gradient reached an unscored position");
                    }
                }
            }
        }
    }

    /** Small shapes, since each finite-difference element costs two forward passes; arbitrary masks. */
    @Property(tries = 15)
    void sumAndEntropyGradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 2, max = 4) int t,
                                                      @ForAll @IntRange(min = 2, max = 3) int vocab,
                                                      @ForAll @DoubleRange(min = 0.5, max = 2) double temperature, @ForAll long seed) {
        Random random = new Random(seed);
        Tensor logits = variable(uniform(b * t * vocab, -3, 3, random), b, t, vocab);
        int[] ids = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(vocab);
        }
        Tensor idTensor = Tensor.ofInts(ids, b, t);
        Tensor mask = t64(anyMask(b, t - 1, random), b, t - 1);
        assertGradientMatches(x -> TokenLogProbs.of(x[0], idTensor, mask, temperature).sum(), logits);
        assertGradientMatches(x -> TokenLogProbs.of(x[0], idTensor, mask, 1.0).mean(), logits);
        assertGradientMatches(x -> TokenEntropy.of(x[0], mask, temperature), logits);
    }

    @Test
    void entropyOfUniformLogitsIsLnV() {
        try (Arena arena = Arena.open()) {
            Tensor h = TokenEntropy.of(Tensor.full(2.5, DType.FLOAT64, 1, 3, V), Tensor.ones(DType.FLOAT64, 1, 2), 1.0);
            assertArrayEquals(new double[] {Math.log(V), Math.log(V)}, h.toDoubleArray(), 1e-14);
        }
    }

    /** bf16 / f16 logits are computed in float32 (not in half precision): the result equals the float32 path on the same values. */
    @Test
    void halfPrecisionLogitsAreComputedInFloat32() {
        Random random = new Random(7);
        double[] logits = uniform(2 * 4 * V, -6, 6, random);
        int[] ids = ids(2, 4, random);
        try (Arena arena = Arena.open()) {
            Tensor m = Tensor.ones(DType.FLOAT32, 2, 3);
            for (DType half : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
                Tensor stored = Tensor.of(logits, half, 2, 4, V);
                TokenLogProbs lp = TokenLogProbs.of(stored, Tensor.ofInts(ids, 2, 4), m, 1.0);
                assertEquals(DType.FLOAT32, lp.logProbs().dtype());
                double[] rounded = stored.to(DType.FLOAT64).toDoubleArray();
                double[] expected = new double[6];
                for (int i = 0; i < 2; i++) {
                    for (int s = 0; s < 3; s++) {
                        expected[i * 3 + s] = hostLogProb(rounded, (i * 4 + s) * V, (int) ids[i * 4 + s + 1], 1.0);
                    }
                }
                assertClose(expected, lp.logProbs().toDoubleArray(), 1e-6, half + " logp");
            }
        }
    }

    @Test
    void shapeMismatchNamesEveryShape() {
        try (Arena arena = Arena.open()) {
            Tensor logits = Tensor.zeros(DType.FLOAT32, 2, 5, V);
            Tensor ids = Tensor.ofInts(new int[10], 2, 5);
            ShapeException e = assertThrows(ShapeException.class,
                    () -> TokenLogProbs.of(logits, ids, Tensor.ones(DType.FLOAT32, 2, 5), 1.0));
            assertTrue(e.getMessage().contains("[2,5,7]") && e.getMessage().contains("[2,5]"), e.getMessage());
            assertThrows(ShapeException.class, () -> TokenLogProbs.of(logits, Tensor.ofInts(new int[8], 2, 4),
                    Tensor.ones(DType.FLOAT32, 2, 4), 1.0));
            assertThrows(ShapeException.class, () -> TokenEntropy.of(logits, Tensor.ones(DType.FLOAT32, 3, 4), 1.0));
            assertThrows(IllegalArgumentException.class, () -> TokenLogProbs.of(logits, ids, Tensor.ones(DType.FLOAT32, 2, 4), 0.0));
            assertThrows(IllegalArgumentException.class,
                    () -> TokenLogProbs.of(logits, Tensor.zeros(DType.FLOAT32, 2, 5), Tensor.ones(DType.FLOAT32, 2, 4), 1.0));
        }
    }
}
