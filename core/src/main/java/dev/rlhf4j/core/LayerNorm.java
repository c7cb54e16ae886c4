package dev.rlhf4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the last dimension, forward and backward fused (as llm.c's layernorm_forward /
 * layernorm_backward):
 * <pre>
 *   mean = E[x],  rstd = 1 / sqrt(Var[x] + eps)   (biased variance, as PyTorch)
 *   xhat = (x - mean) * rstd,   y = xhat * weight + bias
 *   dxhat = g * weight
 *   dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *   dweight = sum(g * xhat),   dbias = sum(g)   (over every dimension but the last)
 * </pre>
 */
final class LayerNorm {
    private LayerNorm() {
    }

    static Tensor apply(Tensor a, Tensor weight, Tensor bias, double eps) {
        long[] shape = a.shape();
        long c = shape[shape.length - 1];
        if (!Arrays.equals(weight.shape(), new long[] {c}) || !Arrays.equals(bias.shape(), new long[] {c})) {
            throw new ShapeException("layerNorm: input " + Shapes.str(shape) + " needs weight and bias of shape [" + c
                    + "], got " + Shapes.str(weight.shape()) + " and " + Shapes.str(bias.shape()));
        }
        INDArray x = a.computeValue();                                   // (..., C)
        INDArray w = Elementwise.castOwned(weight.computeValue(), x.dataType());   // (C)
        INDArray b = Elementwise.castOwned(bias.computeValue(), x.dataType());     // (C)
        if (HostMemory.usable(x, w, b) && x.length() > 0) {
            return onHost(a, weight, bias, x, w, b, eps);
        }
        return withOps(a, weight, bias, x, w, b, eps);
    }

    /** The layer norm as ND4J ops: the path of backends whose memory Java cannot address. */
    static Tensor withOps(Tensor a, Tensor weight, Tensor bias, INDArray x, INDArray w, INDArray b, double eps) {
        long[] shape = x.shape();
        long c = shape[shape.length - 1];
        int last = shape.length - 1;
        INDArray xhat;                                                   // (..., C)
        INDArray rstd;                                                   // (..., 1)
        try (INDArray mean = x.mean(true, last); INDArray centered = x.sub(mean)) {
            try (INDArray sq = centered.mul(centered)) {
                rstd = Transforms.pow(sq.mean(true, last).addi(eps), -0.5, false);
            }
            xhat = centered.mul(rstd);
        }
        INDArray y = xhat.mul(w).addi(b);                                // (..., C)
        int[] lead = Reductions.allDims(last);
        return Tensor.result("layerNorm", y, g -> {
            if (weight.needsGrad()) {
                try (INDArray gx = g.mul(xhat)) {
                    weight.accumulate(sumLeading(gx, lead, c));
                }
            }
            if (bias.needsGrad()) {
                bias.accumulate(sumLeading(g, lead, c));
            }
            if (a.needsGrad()) {
                try (INDArray dxhat = g.mul(w);                          // (..., C)
                     INDArray m1 = dxhat.mean(true, last);               // (..., 1)
                     INDArray prod = dxhat.mul(xhat);
                     INDArray m2 = prod.mean(true, last)) {              // (..., 1)
                    INDArray dx = dxhat.subi(m1);
                    try (INDArray t = xhat.mul(m2)) {
                        dx.subi(t);
                    }
                    a.accumulate(dx.muli(rstd).dup());
                }
            }
        }, a, weight, bias).save(xhat, rstd);
    }

    /** Rows per parallel block of the host kernels. */
    private static final int BLOCK = 16;

    /**
     * The same forward and backward as one pass over each row in host memory, rows split across cores: a
     * layer norm of a (B*T, C) activation is a handful of ND4J reductions and broadcasts otherwise, each
     * dispatched and streamed on its own. Keeps only each row's mean and 1/std for backward; the per-block
     * partial sums of dweight and dbias are added in block order, so results do not depend on scheduling.
     */
    private static Tensor onHost(Tensor a, Tensor weight, Tensor bias, INDArray x, INDArray w, INDArray b, double eps) {
        int c = (int) w.length();
        int rows = (int) (x.length() / c);
        double[] wv = HostMemory.read(w);
        double[] bv = HostMemory.read(b);
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
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
                    v[i] = (v[i] - m) * s * wv[i] + bv[i];
                }
                out.write(r, v);
                mean[r] = m;
                rstd[r] = s;
            }
        });
        return Tensor.result("layerNorm", y, grad -> {
            boolean direct = grad.dataType() == x.dataType() && ShapeOps.isContiguous(grad);
            INDArray g = direct ? grad : grad.castTo(x.dataType()).dup('c');
            int blocks = (rows + BLOCK - 1) / BLOCK;
            double[][] dw = new double[blocks][];
            double[][] db = new double[blocks][];
            INDArray dx = a.needsGrad() ? Nd4j.createUninitialized(x.dataType(), x.shape(), 'c') : null;
            HostMemory.inParallel(rows, BLOCK, (from, to) -> {
                HostMemory.Rows in = new HostMemory.Rows(x, c);
                HostMemory.Rows upstream = new HostMemory.Rows(g, c);
                HostMemory.Rows out = dx == null ? null : new HostMemory.Rows(dx, c);
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
                        double dxhat = gv[i] * wv[i];
                        m1 += dxhat;
                        m2 += dxhat * xhat[i];
                    }
                    if (out != null) {
                        m1 /= c;
                        m2 /= c;
                        for (int i = 0; i < c; i++) {
                            gv[i] = rstd[r] * (gv[i] * wv[i] - m1 - xhat[i] * m2);
                        }
                        out.write(r, gv);
                    }
                }
                dw[from / BLOCK] = dwBlock;
                db[from / BLOCK] = dbBlock;
            });
            if (!direct) {
                g.close();
            }
            if (dx != null) {
                a.accumulate(dx);
            }
            if (weight.needsGrad()) {
                weight.accumulate(HostMemory.create(sumInOrder(dw, c), x.dataType(), new long[] {c}));
            }
            if (bias.needsGrad()) {
                bias.accumulate(HostMemory.create(sumInOrder(db, c), x.dataType(), new long[] {c}));
            }
        }, a, weight, bias);
    }

    private static double[] sumInOrder(double[][] parts, int c) {
        double[] total = new double[c];
        for (double[] p : parts) {
            for (int i = 0; i < c; i++) {
                total[i] += p[i];
            }
        }
        return total;
    }

    private static INDArray sumLeading(INDArray g, int[] lead, long c) {
        if (lead.length == 0) {
            return g.dup();
        }
        INDArray s = g.sum(false, lead);
        if (s.rank() == 1 && s.length() == c) {
            return s;
        }
        INDArray r = s.reshape('c', c).dup();
        s.close();
        return r;
    }
}
