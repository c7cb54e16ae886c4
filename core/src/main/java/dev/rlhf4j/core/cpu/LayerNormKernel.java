package dev.rlhf4j.core.cpu;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code LayerNorm}'s forward and backward as one pass over each row in host memory, rows split across cores, in
 * float64 arithmetic: as ND4J ops a layer norm of a (B*T, C) activation is a handful of reductions and
 * broadcasts, each dispatched and streamed on its own. Keeps only each row's mean and 1/std for backward; the
 * per-block partial sums of dweight and dbias are added in block order, so results do not depend on scheduling.
 */
final class LayerNormKernel {
    private LayerNormKernel() {
    }

    /** Rows per parallel block. */
    static final int BLOCK = 16;

    /** {@code y = (x - mean) rstd w + b} of a contiguous (rows, c) array; fills {@code mean} and {@code rstd} per row. */
    static INDArray forward(INDArray x, double[] w, double[] b, double eps, double[] mean, double[] rstd) {
        int c = w.length;
        int rows = (int) (x.length() / c);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        HostMemory.inParallel(rows, BLOCK, (from, to) -> {
            HostMemory.Rows in = new HostMemory.Rows(x, c);
            HostMemory.Rows out = new HostMemory.Rows(y, c);
            double[] v = new double[c];
            for (int r = from; r < to; r++) {
                in.read(r, v);
                double m = 0;
                for (int i = 0; i < c; i++) {
                    m += v[i];
                }
                m /= c;
                double var = 0;
                for (int i = 0; i < c; i++) {
                    double d = v[i] - m;
                    var += d * d;
                }
                double s = 1.0 / Math.sqrt(var / c + eps);
                for (int i = 0; i < c; i++) {
                    v[i] = (v[i] - m) * s * w[i] + b[i];
                }
                out.write(r, v);
                mean[r] = m;
                rstd[r] = s;
            }
        });
        return y;
    }

    /**
     * Backward of {@link #forward} for upstream {@code g} (contiguous, x's type): returns dx (null unless {@code dx})
     * and adds the sums over rows of {@code g * xhat} and {@code g} into {@code dw} and {@code db}.
     */
    static INDArray backward(INDArray x, INDArray g, double[] w, double[] mean, double[] rstd, boolean dx,
                             double[] dw, double[] db) {
        int c = w.length;
        int rows = (int) (x.length() / c);
        int blocks = (rows + BLOCK - 1) / BLOCK;
        double[][] dwParts = new double[blocks][];
        double[][] dbParts = new double[blocks][];
        INDArray out = dx ? Nd4j.createUninitialized(x.dataType(), x.shape(), 'c') : null;
        HostMemory.inParallel(rows, BLOCK, (from, to) -> {
            HostMemory.Rows in = new HostMemory.Rows(x, c);
            HostMemory.Rows upstream = new HostMemory.Rows(g, c);
            HostMemory.Rows dst = out == null ? null : new HostMemory.Rows(out, c);
            double[] xhat = new double[c];
            double[] gv = new double[c];
            double[] dwBlock = new double[c];
            double[] dbBlock = new double[c];
            for (int r = from; r < to; r++) {
                in.read(r, xhat);
                upstream.read(r, gv);
                double m1 = 0;
                double m2 = 0;
                for (int i = 0; i < c; i++) {
                    xhat[i] = (xhat[i] - mean[r]) * rstd[r];
                    dwBlock[i] += gv[i] * xhat[i];
                    dbBlock[i] += gv[i];
                    double dxhat = gv[i] * w[i];
                    m1 += dxhat;
                    m2 += dxhat * xhat[i];
                }
                if (dst != null) {
                    m1 /= c;
                    m2 /= c;
                    for (int i = 0; i < c; i++) {
                        gv[i] = rstd[r] * (gv[i] * w[i] - m1 - xhat[i] * m2);
                    }
                    dst.write(r, gv);
                }
            }
            dwParts[from / BLOCK] = dwBlock;
            dbParts[from / BLOCK] = dbBlock;
        });
        addInOrder(dwParts, dw);
        addInOrder(dbParts, db);
        return out;
    }

    private static void addInOrder(double[][] parts, double[] total) {
        for (double[] p : parts) {
            for (int i = 0; i < total.length; i++) {
                total[i] += p[i];
            }
        }
    }
}
