package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
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
        if (x.length() > 0 && CpuKernels.applies(Path.HOST, x, w, b)) {
            return fastLayerNorm(a, weight, bias, x, w, b, eps);
        }
        return withOps(a, weight, bias, x, w, b, eps);
    }

    /** The layer norm as ND4J ops. */
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

    // ------------------------------------------------------------ fast twin (core.cpu): the definition above, faster

    /**
     * {@link #withOps}' forward and backward as one pass over each row (the CPU backend): as ND4J ops a layer norm is
     * a handful of reductions and broadcasts, each dispatched and streamed on its own.
     */
    private static Tensor fastLayerNorm(Tensor a, Tensor weight, Tensor bias, INDArray x, INDArray w, INDArray b, double eps) {
        int c = (int) w.length();
        int rows = (int) (x.length() / c);
        double[] wv = CpuKernels.read(w);
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
        INDArray y = CpuKernels.layerNorm(x, wv, CpuKernels.read(b), eps, mean, rstd);          // (..., C)
        return Tensor.result("layerNorm", y, grad -> {
            boolean direct = CpuKernels.applies(Path.HOST, grad, x);
            INDArray g = direct ? grad : grad.castTo(x.dataType()).dup('c');
            double[] dw = new double[c];
            double[] db = new double[c];
            INDArray dx = CpuKernels.layerNormBackward(x, g, wv, mean, rstd, a.needsGrad(), dw, db);
            if (!direct) {
                g.close();
            }
            if (dx != null) {
                a.accumulate(dx);
            }
            if (weight.needsGrad()) {
                weight.accumulate(CpuKernels.create(dw, x.dataType(), new long[] {c}));
            }
            if (bias.needsGrad()) {
                bias.accumulate(CpuKernels.create(db, x.dataType(), new long[] {c}));
            }
        }, a, weight, bias);
    }
}
