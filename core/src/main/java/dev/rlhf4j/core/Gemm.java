package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batched matrix products on strided operands, routed to the fastest path the backend offers.
 *
 * <p>Every matrix is described by its array, an element offset and a row and column stride, so transposes and
 * the head-split views of attention cost nothing. Each product is ND4J's own on views of the operands; on the CPU
 * backend its fast twin hands the same operands straight to BLAS ({@link CpuKernels#gemm}, 2-3.5x faster than
 * {@code INDArray.mmul} there), which reads a matrix with either stride equal to one directly (the other becomes
 * the leading dimension, the transpose flag says which).
 *
 * <p>Batches are flattened first where the memory layout allows, so {@code (B, T, C) @ (C, N)} is one
 * {@code (B*T, C) @ (C, N)} product and the weight gradient {@code sum_b X_b^T dY_b} is one product with
 * inner dimension {@code B*T}.
 */
final class Gemm {
    private Gemm() {
    }

    /**
     * A stack of matrices inside an array: element (batch..., i, j) sits at offset + sum(batch * batchStride) +
     * i*rs + j*cs, counted in elements from the start of {@code array.data()}.
     */
    record Strided(INDArray array, long offset, long[] batchStrides, long rows, long cols, long rowStride, long colStride) {
        /** Views the last two dimensions of {@code a} as the matrices, the rest aligned right to {@code batchRank} dims (stride 0 where broadcast). */
        static Strided of(INDArray a, int batchRank) {
            long[] shape = a.shape();
            long[] stride = a.stride();
            int r = shape.length;
            long[] bs = new long[batchRank];
            for (int i = 0; i < batchRank; i++) {
                int src = i - (batchRank - (r - 2));
                bs[i] = src < 0 || shape[src] == 1 ? 0 : stride[src];
            }
            // a view's data() is itself offset into the base buffer: count from where that buffer starts
            long offset = a.offset() - a.data().offset();
            return new Strided(a, offset, bs, shape[r - 2], shape[r - 1], stride[r - 2], stride[r - 1]);
        }

        Strided transposed() {
            return new Strided(array, offset, batchStrides, cols, rows, colStride, rowStride);
        }

        Strided withBatch(long[] strides) {
            return new Strided(array, offset, strides, rows, cols, rowStride, colStride);
        }
    }

    /**
     * {@code out_b (+)= x_b @ y_b} for every index b of {@code batch}. With {@code accumulate}, products land on
     * top of what {@code out} holds (broadcast batch dimensions of {@code out}, stride 0, are summed into).
     */
    static void batched(Strided x, Strided y, Strided out, long[] batch, boolean accumulate) {
        long[][] merged = mergeBatch(batch, x, y, out);
        long[] b = merged[0];
        x = x.withBatch(merged[1]);
        y = y.withBatch(merged[2]);
        out = out.withBatch(merged[3]);
        if (b.length == 1 && b[0] > 1) {
            long n = b[0];
            long xb = x.batchStrides[0];
            long yb = y.batchStrides[0];
            long ob = out.batchStrides[0];
            // (B, M, K) @ (K, N): one product with B*M rows
            if (yb == 0 && xb == x.rows * x.rowStride && ob == out.rows * out.rowStride && x.rows > 0) {
                single(new Strided(x.array, x.offset, new long[0], n * x.rows, x.cols, x.rowStride, x.colStride),
                        y, new Strided(out.array, out.offset, new long[0], n * out.rows, out.cols, out.rowStride, out.colStride),
                        accumulate);
                return;
            }
            // sum_b (M, K_b) @ (K_b, N): one product with inner dimension B*K
            if (ob == 0 && xb == x.cols * x.colStride && yb == y.rows * y.rowStride && x.cols > 0) {
                single(new Strided(x.array, x.offset, new long[0], x.rows, n * x.cols, x.rowStride, x.colStride),
                        new Strided(y.array, y.offset, new long[0], n * y.rows, y.cols, y.rowStride, y.colStride),
                        out, accumulate);
                return;
            }
        }
        long total = Shapes.numel(b);
        long[] index = new long[b.length];
        for (long flat = 0; flat < total; flat++) {
            long xo = x.offset;
            long yo = y.offset;
            long oo = out.offset;
            for (int d = 0; d < b.length; d++) {
                xo += index[d] * x.batchStrides[d];
                yo += index[d] * y.batchStrides[d];
                oo += index[d] * out.batchStrides[d];
            }
            single(new Strided(x.array, xo, new long[0], x.rows, x.cols, x.rowStride, x.colStride),
                    new Strided(y.array, yo, new long[0], y.rows, y.cols, y.rowStride, y.colStride),
                    new Strided(out.array, oo, new long[0], out.rows, out.cols, out.rowStride, out.colStride),
                    accumulate || !isFirstVisit(index, out.batchStrides));
            for (int d = b.length - 1; d >= 0; d--) {
                if (++index[d] < b[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
    }

    /** True when no earlier index in row-major order wrote the same output matrix (all broadcast indices are 0). */
    private static boolean isFirstVisit(long[] index, long[] outStrides) {
        for (int d = 0; d < index.length; d++) {
            if (outStrides[d] == 0 && index[d] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Merges adjacent batch dimensions that are contiguous in every operand; drops size-1 dimensions. */
    private static long[][] mergeBatch(long[] batch, Strided... ops) {
        int n = batch.length;
        long[] size = new long[n];
        long[][] strides = new long[ops.length][n];
        int k = 0;
        for (int d = 0; d < n; d++) {
            if (batch[d] == 1) {
                continue;
            }
            boolean merge = k > 0;
            for (int o = 0; o < ops.length && merge; o++) {
                merge = strides[o][k - 1] == batch[d] * ops[o].batchStrides[d];
            }
            if (merge) {
                size[k - 1] *= batch[d];
                for (int o = 0; o < ops.length; o++) {
                    strides[o][k - 1] = ops[o].batchStrides[d];
                }
            } else {
                size[k] = batch[d];
                for (int o = 0; o < ops.length; o++) {
                    strides[o][k] = ops[o].batchStrides[d];
                }
                k++;
            }
        }
        long[][] result = new long[ops.length + 1][];
        result[0] = java.util.Arrays.copyOf(size, k);
        for (int o = 0; o < ops.length; o++) {
            result[o + 1] = java.util.Arrays.copyOf(strides[o], k);
        }
        return result;
    }

    /** One product {@code out (+)= x @ y}, ND4J's own product on views (any backend); out must have unit column stride. */
    private static void single(Strided x, Strided y, Strided out, boolean accumulate) {
        if (out.rows == 0 || out.cols == 0) {
            return;
        }
        if (CpuKernels.directBlas() && blasReads(x, y, out)) {
            fastSingle(x, y, out, accumulate);
            return;
        }
        INDArray c = view(out);
        try (INDArray p = view(x).mmul(view(y))) {
            if (accumulate) {
                c.addi(p);
            } else {
                c.assign(p);
            }
        }
    }

    /**
     * The matrix as an ND4J view. ND4J counts a positive offset from the start of the base buffer, not from where
     * {@code data()} of a view starts (a one-token head split shares such a buffer), so the view's own is added.
     */
    private static INDArray view(Strided s) {
        DataBuffer data = s.array.data();
        return Nd4j.create(data, new long[] {s.rows, s.cols}, new long[] {s.rowStride, s.colStride}, data.offset() + s.offset, 'c');
    }

    // ------------------------------------------------------------ fast twin (core.cpu): the definition above, faster

    /** Whether BLAS can read all three matrices in place: x and y as stored or transposed, out row-major. */
    private static boolean blasReads(Strided x, Strided y, Strided out) {
        return out.colStride == 1 && (out.rows == 1 || out.rowStride >= out.cols) && blasTranspose(x) != null && blasTranspose(y) != null;
    }

    /** {@link #single} as one BLAS call on the operands in place: GEMM, or GEMV for a single output row. */
    private static void fastSingle(Strided x, Strided y, Strided out, boolean accumulate) {
        int m = Math.toIntExact(out.rows);
        int n = Math.toIntExact(out.cols);
        int k = Math.toIntExact(x.cols);
        boolean tx = blasTranspose(x);
        boolean ty = blasTranspose(y);
        double beta = accumulate ? 1.0 : 0.0;
        int ldc = out.rows == 1 ? n : (int) Math.max(out.rowStride, n);
        if (k == 0) {
            if (beta == 0.0) {
                view(out).assign(0);
            }
            return;
        }
        if (m == 1) {
            vector(x, y, out, n, k, ty, leading(y, ty), beta);
            return;
        }
        CpuKernels.gemm(tx, ty, m, n, k, x.array, x.offset, leading(x, tx), y.array, y.offset, leading(y, ty), beta,
                out.array, out.offset, ldc);
    }

    /** FALSE if BLAS reads {@code s} as stored (row-major), TRUE if as a transpose, null if it cannot. */
    private static Boolean blasTranspose(Strided s) {
        if ((s.colStride == 1 || s.cols == 1) && (s.rows == 1 || s.rowStride >= s.cols)) {
            return Boolean.FALSE;
        }
        if ((s.rowStride == 1 || s.rows == 1) && (s.cols == 1 || s.colStride >= s.rows)) {
            return Boolean.TRUE;
        }
        return null;
    }

    /**
     * One output row, {@code out (1, N) (+)= x (1, K) @ y (K, N)}: a matrix-vector product. GEMM would pack the
     * whole of y for a single row; GEMV streams it once, which is what one-token decoding is bound by.
     */
    private static void vector(Strided x, Strided y, Strided out, int n, int k, boolean ty, int ldb, double beta) {
        int incx = (int) (x.cols == 1 ? 1 : x.colStride);
        // y stored row-major as (K, N): out = y^T x; stored as its transpose (N, K): out = y_stored x
        CpuKernels.gemv(!ty, ty ? n : k, ty ? k : n, y.array, y.offset, ldb, x.array, x.offset, incx, beta, out.array, out.offset);
    }

    /** Leading dimension for row-major BLAS: the stride between rows (or between columns when transposed). */
    private static int leading(Strided s, boolean transposed) {
        long ld = transposed ? s.colStride : s.rowStride;
        long min = transposed ? s.rows : s.cols;
        if ((transposed ? s.cols : s.rows) == 1 || ld < min) {
            ld = min;
        }
        return (int) Math.max(ld, 1);
    }
}
