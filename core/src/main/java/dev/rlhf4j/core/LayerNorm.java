package dev.rlhf4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
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
        if (SmallTensorKernels.applies(x, a, weight, bias) && HostMemory.usable(x, w, b)) {
            return Tensor.inferenceResult("layerNorm", SmallTensorKernels.layerNorm(x, w, b, eps));
        }
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

    private static INDArray cast(INDArray v, INDArray like) {
        return v.dataType() == like.dataType() ? v : Tensor.wrap(v.castTo(like.dataType())).value();
    }
}
