package dev.rlhf4j.core.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row-major {@code cblas_?gemm} and {@code cblas_?gemv} on matrices that start {@code offset} elements into an
 * array's memory, straight to the OpenBLAS that ND4J's CPU backend ships: measured 2-3.5x faster than
 * {@code INDArray.mmul} here, and transposes and views cost nothing (a flag and a leading dimension).
 */
final class Blas {
    private Blas() {
    }

    /** {@code C (m, n) = op(A) op(B) + beta C} with inner dimension k; float32 or float64 (C's type). */
    static void gemm(boolean ta, boolean tb, int m, int n, int k, INDArray a, long aOffset, int lda,
                     INDArray b, long bOffset, int ldb, double beta, INDArray c, long cOffset, int ldc) {
        int opA = ta ? openblas.CblasTrans : openblas.CblasNoTrans;
        int opB = tb ? openblas.CblasTrans : openblas.CblasNoTrans;
        if (c.dataType() == DataType.FLOAT) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, opA, opB, m, n, k, 1f, floats(a, aOffset), lda,
                    floats(b, bOffset), ldb, (float) beta, floats(c, cOffset), ldc);
        } else if (c.dataType() == DataType.DOUBLE) {
            openblas.cblas_dgemm(openblas.CblasRowMajor, opA, opB, m, n, k, 1.0, doubles(a, aOffset), lda,
                    doubles(b, bOffset), ldb, beta, doubles(c, cOffset), ldc);
        } else {
            throw new IllegalArgumentException("matmul: unsupported compute type " + c.dataType());
        }
    }

    /** {@code y = op(A) x + beta y} for A stored (rows, cols) row-major, y contiguous; float32 or float64. */
    static void gemv(boolean trans, int rows, int cols, INDArray a, long aOffset, int lda, INDArray x, long xOffset,
                     int incx, double beta, INDArray y, long yOffset) {
        int op = trans ? openblas.CblasTrans : openblas.CblasNoTrans;
        if (y.dataType() == DataType.FLOAT) {
            openblas.cblas_sgemv(openblas.CblasRowMajor, op, rows, cols, 1f, floats(a, aOffset), lda,
                    floats(x, xOffset), incx, (float) beta, floats(y, yOffset), 1);
        } else if (y.dataType() == DataType.DOUBLE) {
            openblas.cblas_dgemv(openblas.CblasRowMajor, op, rows, cols, 1.0, doubles(a, aOffset), lda,
                    doubles(x, xOffset), incx, beta, doubles(y, yOffset), 1);
        } else {
            throw new IllegalArgumentException("matmul: unsupported compute type " + y.dataType());
        }
    }

    private static FloatPointer floats(INDArray a, long offset) {
        Pointer base = a.data().addressPointer();
        return new FloatPointer(base).position(offset);
    }

    private static DoublePointer doubles(INDArray a, long offset) {
        Pointer base = a.data().addressPointer();
        return new DoublePointer(base).position(offset);
    }
}
