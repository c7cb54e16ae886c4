package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Forward values against closed forms. */
class ForwardValuesTest {

    @Test
    void softmaxRowsSumToOneAndMatchTheFormula() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, -1, 0, 1000}, 2, 3);
        double[] y = x.softmax(1).toDoubleArray();
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new double[] {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z}, java.util.Arrays.copyOf(y, 3), 1e-15);
        assertEquals(1.0, y[3] + y[4] + y[5], 1e-15);
        assertEquals(1.0, y[5], 1e-15);
    }

    @Test
    void logSumExpIsStableAtLargeMagnitudes() {
        Tensor x = Tensor.of(new double[] {1e4, 1e4, -1e4, -1e4 + 1}, 2, 2);
        double[] lse = x.logSumExp(1, false).toDoubleArray();
        assertEquals(1e4 + Math.log(2), lse[0], 1e-9);
        assertEquals(-1e4 + 1 + Math.log1p(Math.exp(-1)), lse[1], 1e-9);
        double[] logp = x.logSoftmax(1).toDoubleArray();
        assertEquals(-Math.log(2), logp[0], 1e-12);
        assertTrue(Double.isFinite(logp[2]));
    }

    @Test
    void logSumExpOfAllMinusInfinityRowIsMinusInfinity() {
        Tensor x = Tensor.of(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 1, 2);
        assertEquals(Double.NEGATIVE_INFINITY, x.logSumExp(1, false).item());
    }

    @Test
    void geluMatchesGpt2TanhApproximationAtKnownPoints() {
        double[] xs = {-3, -1, -0.5, 0, 0.5, 1, 2, 3};
        double[] y = Tensor.of(xs, xs.length).gelu().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            double expected = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            assertEquals(expected, y[i], 1e-15, "gelu(" + x + ")");
        }
        // published value of gelu_new(1) (tanh approximation)
        assertEquals(0.8411919906082768, y[5], 1e-15);
    }

    @Test
    void logSigmoidIsStableForLargeInputs() {
        double[] y = Tensor.of(new double[] {-800, 0, 800}, 3).logSigmoid().toDoubleArray();
        assertEquals(-800, y[0], 1e-12);
        assertEquals(-Math.log(2), y[1], 1e-15);
        assertEquals(0, y[2], 1e-15);
    }

    @Test
    void layerNormNormalisesEachRow() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 10, 10, 10, 14}, 2, 4);
        Tensor w = Tensor.of(new double[] {1, 1, 1, 1}, 4);
        Tensor b = Tensor.of(new double[] {0, 0, 0, 0}, 4);
        double[] y = x.layerNorm(w, b, 0.0).toDoubleArray();
        double sd = Math.sqrt(1.25);
        assertArrayEquals(new double[] {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}, java.util.Arrays.copyOf(y, 4), 1e-14);
        assertEquals(Math.sqrt(3), y[7], 1e-14);
    }

    @Test
    void crossEntropyEqualsMeanNegativeLogLikelihoodSkippingIgnored() {
        Tensor logits = Tensor.of(new double[] {1, 2, 3, 0, 0, 0, 5, 1, 1}, 3, 3);
        Tensor targets = Tensor.ofLongs(new long[] {2, -100, 0}, 3);
        double z0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double z2 = Math.log(Math.exp(5) + 2 * Math.exp(1));
        assertEquals(((z0 - 3) + (z2 - 5)) / 2, logits.crossEntropy(targets, -100).item(), 1e-14);
    }

    @Test
    void crossEntropyOfOnlyIgnoredTargetsIsNaNAsInPyTorch() {
        Tensor logits = Tensor.of(new double[] {1, 2}, 1, 2);
        assertTrue(Double.isNaN(logits.crossEntropy(Tensor.ofLongs(new long[] {-100}, 1), -100).item()));
    }

    @Test
    void matmulMatchesNaiveProductForStridedBatchedOperands() {
        TensorRandom r = new TensorRandom(3);
        Tensor a = r.normal(DType.FLOAT64, 0, 1, 2, 3, 4, 5);            // (B, T, nh, hs)
        Tensor b = r.normal(DType.FLOAT64, 0, 1, 2, 3, 4, 5);
        Tensor q = a.permute(0, 2, 1, 3);                                // (B, nh, T, hs), strided view
        Tensor kT = b.permute(0, 2, 3, 1);                               // (B, nh, hs, T), strided view
        double[] got = q.matmul(kT).toDoubleArray();                     // (B, nh, T, T)
        double[] av = a.toDoubleArray();
        double[] bv = b.toDoubleArray();
        int i = 0;
        for (int bb = 0; bb < 2; bb++) {
            for (int h = 0; h < 4; h++) {
                for (int t = 0; t < 3; t++) {
                    for (int s = 0; s < 3; s++) {
                        double sum = 0;
                        for (int d = 0; d < 5; d++) {
                            sum += av[((bb * 3 + t) * 4 + h) * 5 + d] * bv[((bb * 3 + s) * 4 + h) * 5 + d];
                        }
                        assertEquals(sum, got[i++], 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void linearAddsItsBiasToEveryRow() {
        TensorRandom r = new TensorRandom(4);
        for (DType type : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            for (long rows : new long[] {1, 3}) {                             // one row goes to GEMV, more to GEMM
                Tensor x = r.normal(type, 0, 1, 2, rows, 5);                  // (B, T, K)
                Tensor w = r.normal(type, 0, 1, 5, 7);                        // (K, N)
                Tensor b = r.normal(type, 0, 1, 7);                           // (N)
                double[] xv = x.toDoubleArray();
                double[] wv = w.toDoubleArray();
                double[] bv = b.toDoubleArray();
                double[] got = x.linear(w, b).toDoubleArray();
                for (int i = 0; i < 2 * rows; i++) {
                    for (int j = 0; j < 7; j++) {
                        double sum = bv[j];
                        for (int k = 0; k < 5; k++) {
                            sum += xv[i * 5 + k] * wv[k * 7 + j];
                        }
                        assertEquals(sum, got[i * 7 + j], type == DType.FLOAT64 ? 1e-12 : 1e-5, type + " row " + i + " col " + j);
                    }
                }
            }
        }
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 5);
        ShapeException e = assertThrows(ShapeException.class, () -> x.linear(Tensor.zeros(DType.FLOAT64, 5, 7), Tensor.zeros(DType.FLOAT64, 6)));
        assertTrue(e.getMessage().contains("[6]"), e.getMessage());
    }

    @Test
    void readingOutAViewGivesItsOwnElementsInOrder() {
        for (DType type : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            Tensor x = Tensor.of(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, type, 3, 4);
            assertArrayEquals(new double[] {4, 5, 6, 7, 8, 9, 10, 11}, x.narrow(0, 1, 2).toDoubleArray(), 0.0, type + " rows 1-2");
            assertArrayEquals(new double[] {1, 2, 5, 6, 9, 10}, x.narrow(1, 1, 2).toDoubleArray(), 0.0, type + " columns 1-2");
            assertArrayEquals(new double[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, x.transpose(0, 1).toDoubleArray(), 0.0, type + " transposed");
        }
    }

    /**
     * The naive product of row-major stacks: {@code batch} matrices (M, K) of x times (K, N) matrices of y, the
     * same y for every batch index when {@code sharedY}.
     */
    private static double[] naiveProduct(double[] x, double[] y, int batch, int m, int k, int n, boolean sharedY) {
        double[] out = new double[batch * m * n];
        for (int p = 0; p < batch; p++) {
            int yo = sharedY ? 0 : p * k * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int d = 0; d < k; d++) {
                        sum += x[(p * m + i) * k + d] * y[yo + d * n + j];
                    }
                    out[(p * m + i) * n + j] = sum;
                }
            }
        }
        return out;
    }

    /** Expected values from the views' elements (as {@link #readingOutAViewGivesItsOwnElementsInOrder} reads them). */
    @Test
    void matmulReadsViewsThatStartAtAnOffset() {
        TensorRandom r = new TensorRandom(5);
        Tensor qkv = r.normal(DType.FLOAT64, 0, 1, 2, 3, 48);                // (B, T, 3C)
        Tensor w = r.normal(DType.FLOAT64, 0, 1, 16, 4);
        double[] wv = w.toDoubleArray();
        for (int part = 0; part < 3; part++) {
            Tensor view = qkv.narrow(2, 16L * part, 16);                      // offset 0, 16, 32 into each row
            Tensor row = qkv.narrow(0, 1, 1).narrow(2, 16L * part, 16);      // offset into the batch too
            assertArrayEquals(naiveProduct(view.toDoubleArray(), wv, 1, 6, 16, 4, true), view.matmul(w).toDoubleArray(), 1e-12);
            assertArrayEquals(naiveProduct(row.toDoubleArray(), wv, 1, 3, 16, 4, true), row.matmul(w).toDoubleArray(), 1e-12);
            Tensor heads = view.reshape(2, 3, 4, 4).transpose(1, 2);           // (B, nh, T, hs) of an offset view
            assertArrayEquals(naiveProduct(heads.toDoubleArray(), heads.transpose(2, 3).toDoubleArray(), 8, 3, 4, 3, false),
                    heads.matmul(heads.transpose(2, 3)).toDoubleArray(), 1e-12);
        }
    }

    /**
     * One query (T = 1): ND4J hands the head split of (1, 1, 3C) an array whose {@code data()} itself starts C or 2C
     * elements in; every head of q, k and v must still read its own elements.
     */
    @Test
    void matmulReadsTheHeadsOfASingleQuery() {
        Tensor qkv = new TensorRandom(6).normal(DType.FLOAT64, 0, 1, 1, 1, 48);   // (B, T, 3C)
        Tensor[] qkvHeads = new Tensor[3];
        for (int part = 0; part < 3; part++) {
            qkvHeads[part] = qkv.narrow(2, 16L * part, 16).reshape(1, 1, 4, 4).transpose(1, 2);   // (B, nh, T, hs)
        }
        Tensor kT = qkvHeads[1].transpose(2, 3);                                                  // (B, nh, hs, T)
        assertArrayEquals(naiveProduct(qkvHeads[0].toDoubleArray(), kT.toDoubleArray(), 4, 1, 4, 1, false),
                qkvHeads[0].matmul(kT).toDoubleArray(), 1e-12);
        Tensor att = new TensorRandom(7).normal(DType.FLOAT64, 0, 1, 1, 4, 1, 1);                // (B, nh, T, Tk)
        assertArrayEquals(naiveProduct(att.toDoubleArray(), qkvHeads[2].toDoubleArray(), 4, 1, 1, 4, false),
                att.matmul(qkvHeads[2]).toDoubleArray(), 1e-12);
    }

    @Test
    void matmulOfOperandsBlasCannotReadFallsBackToTheBackendsProduct() {
        TensorRandom r = new TensorRandom(9);
        Tensor base = r.normal(DType.FLOAT64, 0, 1, 4, 3, 2);            // (K, M, B)
        Tensor a = base.permute(2, 1, 0);                                 // (B, M, K), strides (1, 2, 6): no unit stride in (M, K)
        Tensor w = r.normal(DType.FLOAT64, 0, 1, 4, 5);
        double[] av = a.toDoubleArray();
        assertArrayEquals(naiveProduct(av, w.toDoubleArray(), 2, 3, 4, 5, true), a.matmul(w).toDoubleArray(), 1e-12);
        Tensor wide = r.normal(DType.FLOAT64, 0, 1, 2, 5, 4).permute(1, 2, 0).narrow(2, 1, 1).reshape(5, 4); // copy of a strided view
        assertArrayEquals(naiveProduct(av, wide.transpose(0, 1).toDoubleArray(), 2, 3, 4, 5, true),
                a.matmul(wide.transpose(0, 1)).toDoubleArray(), 1e-12);
    }

    @Test
    void addInPlaceScalesTheOtherOperandOnEveryLayout() {
        Tensor y = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        y.addInPlace(Tensor.of(new double[] {1, 1, 1, 2, 2, 2}, 2, 3), -0.5);           // contiguous: BLAS axpy
        assertArrayEquals(new double[] {0.5, 1.5, 2.5, 3, 4, 5}, y.toDoubleArray(), 0.0);
        Tensor t = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2).transpose(0, 1);    // strided view
        y.addInPlace(t, 2.0);
        assertArrayEquals(new double[] {2.5, 7.5, 12.5, 7, 12, 17}, y.toDoubleArray(), 0.0);
        Tensor row = y.narrow(0, 1, 1);                                                 // a view at an offset
        row.addInPlace(Tensor.of(new double[] {1, 1, 1}, 1, 3), 10.0);
        assertArrayEquals(new double[] {2.5, 7.5, 12.5, 17, 22, 27}, y.toDoubleArray(), 0.0);
    }

    /**
     * Half-precision values are stored rounded and computed in float32. 0.1, 0.2 and 0.3 are stored as the nearest
     * float16 values 1638/2^14, 3276/2^14 and 2458/2^13 (0x2E66, 0x3266, 0x34CD); their softmax, computed here in
     * double, differs from that of the unrounded values by about 5e-6, and a softmax computed in half precision
     * would be off by about 1e-4, so float32 rounding (1e-7) tells all three apart.
     */
    @Test
    void halfPrecisionStorageIsUpcastForCompute() {
        Tensor h = Tensor.of(new double[] {0.1, 0.2, 0.3}, DType.FLOAT16, 3);
        assertEquals(DType.FLOAT16, h.dtype());
        double[] stored = {1638 / 16384.0, 3276 / 16384.0, 2458 / 8192.0};
        assertArrayEquals(stored, h.toDoubleArray(), 0.0);
        Tensor y = h.softmax(0);
        assertEquals(DType.FLOAT32, y.dtype());
        double z = Math.exp(stored[0]) + Math.exp(stored[1]) + Math.exp(stored[2]);
        assertArrayEquals(new double[] {Math.exp(stored[0]) / z, Math.exp(stored[1]) / z, Math.exp(stored[2]) / z},
                y.toDoubleArray(), 1e-7);
        Tensor bf = Tensor.of(new double[] {1.5, -2.25}, DType.BFLOAT16, 2);
        assertArrayEquals(new double[] {1.5, -2.25}, bf.mul(1.0).toDoubleArray(), 0.0);
        Tensor e = bf.exp();
        assertEquals(DType.FLOAT32, e.dtype());
        assertArrayEquals(new double[] {Math.exp(1.5), Math.exp(-2.25)}, e.toDoubleArray(), 1e-6 * Math.exp(1.5));
    }

    @Test
    void bytesRoundTripInEveryFloatingType() {
        double[] v = {1.5, -2.25, 0.125, 3.0};
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            Tensor x = Tensor.of(v, t, 2, 2);
            Tensor back = Tensor.fromBytes(x.toBytes(), t, 2, 2);
            assertEquals(t, back.dtype());
            assertArrayEquals(v, back.toDoubleArray(), 0.0, t.toString());
        }
    }
}
