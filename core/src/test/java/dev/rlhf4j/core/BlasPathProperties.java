package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.cpu.CpuKernels;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Gemm's fast twin (GEMM and GEMV straight on the operands' strides) against its definition, ND4J's
 * {@code INDArray.mmul}, here applied matrix by matrix to copies: the product, both operands' gradients and a
 * linear layer's bias and its gradient, on the layouts the engine produces (a shared weight, batched operands,
 * transposed views, a tied head, one-row products).
 */
class BlasPathProperties {

    @Test
    void productsGoToBlasUnderTheTestRunner() {
        assertTrue(CpuKernels.directBlas(), "without direct BLAS these properties compare ND4J with itself");
    }

    /**
     * {@code y = x @ w (+ b)} with upstream {@code g}: forward, dx and dw (and db) against mmul per matrix.
     * Layouts: 0 (M, K) @ (K, N); 1 (B, M, K) @ (K, N); 2 (B, M, K) @ (B, K, N); 3 x stored as (B, K, M) and
     * transposed; 4 a tied head, w stored as (N, K) and transposed. M = 1 takes GEMV.
     */
    @Property(tries = 60)
    void blasAndMmulAgree(@ForAll @IntRange(min = 1, max = 5) int m, @ForAll @IntRange(min = 1, max = 6) int k,
                          @ForAll @IntRange(min = 1, max = 6) int n, @ForAll @IntRange(min = 0, max = 4) int layout,
                          @ForAll boolean withBias, @ForAll boolean float64, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DType type = float64 ? DType.FLOAT64 : DType.FLOAT32;
        double tol = float64 ? 1e-12 : 2e-5;
        int batch = layout == 0 ? 1 : 3;
        TensorRandom r = new TensorRandom(seed);
        Tensor xStored = layout == 0 ? r.normal(type, 0, 1, m, k) : layout == 3 ? r.normal(type, 0, 1, batch, k, m)
                : r.normal(type, 0, 1, batch, m, k);
        Tensor wStored = layout == 2 ? r.normal(type, 0, 1, batch, k, n) : layout == 4 ? r.normal(type, 0, 1, n, k)
                : r.normal(type, 0, 1, k, n);
        Tensor b = r.normal(type, 0, 1, n);
        Tensor g = layout == 0 ? r.normal(type, 0, 1, m, n) : r.normal(type, 0, 1, batch, m, n);
        boolean linear = withBias && layout != 2;
        xStored.requiresGrad(true);
        wStored.requiresGrad(true);
        b.requiresGrad(true);
        try (Arena arena = Arena.open()) {
            Tensor x = layout == 3 ? xStored.transpose(1, 2) : xStored;                            // (B, M, K)
            Tensor w = layout == 4 ? wStored.transpose(0, 1) : wStored;                            // (K, N) or (B, K, N)
            Tensor y = linear ? x.linear(w, b) : x.matmul(w);                                     // (B, M, N)
            y.backward(g);
            Tensor dx = layout == 3 ? xStored.grad().transpose(1, 2) : xStored.grad();
            double[] dw = new double[layout == 2 ? batch * k * n : k * n];
            for (int i = 0; i < batch; i++) {
                INDArray xi = matrix(x.value(), i);                                               // (M, K)
                INDArray wi = matrix(w.value(), i);                                               // (K, N)
                INDArray gi = matrix(g.value(), i);                                               // (M, N)
                INDArray want = xi.mmul(wi);
                if (linear) {
                    want.addiRowVector(b.value());
                }
                close(want, matrix(y.value(), i), tol, "y[" + i + "]");
                close(gi.mmul(wi.transpose()), matrix(dx.value(), i), tol, "dx[" + i + "]");       // dx = g w^T
                double[] dwi = xi.transpose().mmul(gi).dup('c').data().asDouble();              // dw = x^T g
                int base = layout == 2 ? i * k * n : 0;
                for (int j = 0; j < dwi.length; j++) {
                    dw[base + j] += dwi[j];
                }
            }
            assertClose(dw, (layout == 4 ? wStored.grad().transpose(0, 1) : wStored.grad()).toDoubleArray(), tol, "dw");
            if (linear) {
                double[] db = g.value().reshape('c', -1, n).sum(0).dup('c').data().asDouble();
                assertClose(db, b.grad().toDoubleArray(), tol, "db");
            }
        }
    }

    /** A bias BLAS's rows cannot start from (a strided view) is laid by ND4J's putiRowVector: the same layer. */
    @Test
    void aStridedBiasGivesTheLayerOfItsContiguousCopy() {
        TensorRandom r = new TensorRandom(7);
        Tensor x = r.normal(DType.FLOAT32, 0, 1, 2, 3, 4);
        Tensor w = r.normal(DType.FLOAT32, 0, 1, 4, 5);
        INDArray pairs = r.normal(DType.FLOAT32, 0, 1, 5, 2).value();
        Tensor column = Tensor.wrap(Nd4j.create(pairs.data(), new long[] {5}, new long[] {2}, 0, 'c'));   // stride 2
        assertFalse(ShapeOps.isContiguous(column.value()));
        double[] want = x.linear(w, column.copy()).toDoubleArray();
        double[] got = x.linear(w, column).toDoubleArray();
        assertClose(want, got, 0.0, "strided bias");
    }

    /** Matrix {@code i} of a (B, M, N) array (or the array itself when 2-D), as a c-order copy. */
    private static INDArray matrix(INDArray a, int i) {
        if (a.rank() == 2) {
            return a.dup('c');
        }
        return a.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
    }

    private static void close(INDArray want, INDArray got, double tol, String what) {
        assertClose(want.dup('c').data().asDouble(), got.dup('c').data().asDouble(), tol, what);
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + " length");
        double scale = 1;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * scale, what + " element " + i);
        }
    }
}
