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
        int last = shape.length - 1;
        INDArray x = a.computeValue();                                   // (..., C)
        INDArray w = cast(weight.computeValue(), x);                     // (C)
        INDArray b = cast(bias.computeValue(), x);                       // (C)
        INDArray xhat;                                                   // (..., C)
        INDArray rstd;                                                   // (..., 1)
        INDArray y;                                                      // (..., C)
        if (HostMemory.usable(x, w, b)) {
            long[] rowShape = shape.clone();
            rowShape[last] = 1;
            xhat = Nd4j.createUninitialized(x.dataType(), shape, 'c');
            rstd = Nd4j.createUninitialized(x.dataType(), rowShape, 'c');
            y = Nd4j.createUninitialized(x.dataType(), shape, 'c');
            forwardRows(x, w, b, eps, xhat, rstd, y, (int) c);
        } else {
            try (INDArray mean = x.mean(true, last); INDArray centered = x.sub(mean)) {
                try (INDArray sq = centered.mul(centered)) {
                    rstd = Transforms.pow(sq.mean(true, last).addi(eps), -0.5, false);
                }
                xhat = centered.mul(rstd);
            }
            y = xhat.mul(w).addi(b);
        }
        int[] lead = Reductions.allDims(last);
        return Tensor.result("layerNorm", y, g -> {
            if (HostMemory.usable(g, xhat, rstd, w)) {
                backwardRows(a, weight, bias, g, xhat, rstd, w, (int) c);
                return;
            }
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
    private static final int ROWS = 16;

    /** The forward above, one pass per row in Java over host memory (the CPU backend). */
    private static void forwardRows(INDArray x, INDArray w, INDArray b, double eps, INDArray xhat, INDArray rstd, INDArray y, int c) {
        HostMemory.Elements xs = HostMemory.elements(x);
        HostMemory.Elements ws = HostMemory.elements(w);
        HostMemory.Elements bs = HostMemory.elements(b);
        HostMemory.Elements hs = HostMemory.elements(xhat);
        HostMemory.Elements rs = HostMemory.elements(rstd);
        HostMemory.Elements ys = HostMemory.elements(y);
        HostMemory.inParallel(rstd.length(), ROWS, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * c;
                double mean = 0;
                for (int j = 0; j < c; j++) {
                    mean += xs.get(o + j);
                }
                mean /= c;
                double var = 0;
                for (int j = 0; j < c; j++) {
                    double d = xs.get(o + j) - mean;
                    var += d * d;
                }
                double inv = 1 / Math.sqrt(var / c + eps);
                rs.set(r, inv);
                for (int j = 0; j < c; j++) {
                    double h = (xs.get(o + j) - mean) * inv;
                    hs.set(o + j, h);
                    ys.set(o + j, h * ws.get(j) + bs.get(j));
                }
            }
        });
    }

    /** The backward above in Java over host memory: dx per row, dweight and dbias as per-block partial sums. */
    private static void backwardRows(Tensor a, Tensor weight, Tensor bias, INDArray g, INDArray xhat, INDArray rstd, INDArray w, int c) {
        int rows = (int) rstd.length();
        HostMemory.Elements gs = HostMemory.elements(g);
        HostMemory.Elements hs = HostMemory.elements(xhat);
        HostMemory.Elements rs = HostMemory.elements(rstd);
        HostMemory.Elements ws = HostMemory.elements(w);
        INDArray dx = a.needsGrad() ? Nd4j.createUninitialized(g.dataType(), xhat.shape(), 'c') : null;
        HostMemory.Elements dxs = dx == null ? null : HostMemory.elements(dx);
        int blocks = (rows + ROWS - 1) / ROWS;
        double[][] dw = new double[blocks][c];
        double[][] db = new double[blocks][c];
        HostMemory.inParallel(rows, ROWS, (from, to) -> {
            double[] dwb = dw[from / ROWS];
            double[] dbb = db[from / ROWS];
            for (int r = from; r < to; r++) {
                int o = r * c;
                double m1 = 0;
                double m2 = 0;
                for (int j = 0; j < c; j++) {
                    double gj = gs.get(o + j);
                    double h = hs.get(o + j);
                    double dh = gj * ws.get(j);
                    m1 += dh;
                    m2 += dh * h;
                    dwb[j] += gj * h;
                    dbb[j] += gj;
                }
                if (dxs != null) {
                    m1 /= c;
                    m2 /= c;
                    double inv = rs.get(r);
                    for (int j = 0; j < c; j++) {
                        double h = hs.get(o + j);
                        dxs.set(o + j, inv * (gs.get(o + j) * ws.get(j) - m1 - h * m2));
                    }
                }
            }
        });
        if (weight.needsGrad()) {
            weight.accumulate(columnSums(dw, g.dataType()));
        }
        if (bias.needsGrad()) {
            bias.accumulate(columnSums(db, g.dataType()));
        }
        if (dx != null) {
            a.accumulate(dx);
        }
    }

    private static INDArray columnSums(double[][] partial, org.nd4j.linalg.api.buffer.DataType type) {
        double[] total = new double[partial[0].length];
        for (double[] p : partial) {
            for (int j = 0; j < total.length; j++) {
                total[j] += p[j];
            }
        }
        INDArray d = Nd4j.create(total, new long[] {total.length}, 'c');
        if (type == d.dataType()) {
            return d;
        }
        INDArray cast = d.castTo(type);
        d.close();
        return cast;
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

    private static INDArray cast(INDArray v, INDArray like) {
        return v.dataType() == like.dataType() ? v : Tensor.wrap(v.castTo(like.dataType())).value();
    }
}
