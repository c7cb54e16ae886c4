package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * softmax, log-softmax and log-sum-exp along one dimension, each one fused ND4J kernel forward (they subtract
 * the maximum, so large logits cannot overflow) with its closed-form backward:
 * <pre>
 *   y = softmax(x):      dx = y * (g - sum(g * y))
 *   y = logSoftmax(x):   dx = g - exp(y) * sum(g)
 *   y = logSumExp(x):    dx = g * exp(x - y)
 * </pre>
 */
final class Softmax {
    private Softmax() {
    }

    static Tensor softmax(Tensor a, int dim) {
        int d = Shapes.dim("softmax", a.shape(), dim);
        INDArray x = a.computeValue();
        if (d == x.rank() - 1 && !Tensor.recording(a) && CpuKernels.applies(Path.SMALL, x)) {
            return fastSoftmax(x);
        }
        INDArray y = Nd4j.exec(new SoftMax(x, x.ulike(), d))[0];
        return Tensor.result("softmax", y, g -> {
            try (INDArray gy = g.mul(y); INDArray s = gy.sum(true, d)) {
                INDArray dx = g.sub(s);
                a.accumulate(dx.muli(y));
            }
        }, a);
    }

    static Tensor logSoftmax(Tensor a, int dim) {
        int d = Shapes.dim("logSoftmax", a.shape(), dim);
        INDArray x = a.computeValue();
        INDArray y = Nd4j.exec(DynamicCustomOp.builder("log_softmax").addInputs(x).addIntegerArguments(d).build())[0];
        return Tensor.result("logSoftmax", y, g -> {
            try (INDArray p = Transforms.exp(y, true); INDArray s = g.sum(true, d)) {
                INDArray dx = g.sub(p.muli(s));
                a.accumulate(dx);
            }
        }, a);
    }

    static Tensor logSumExp(Tensor a, int dim, boolean keepDim) {
        long[] shape = a.shape();
        int d = Shapes.dim("logSumExp", shape, dim);
        INDArray x = a.computeValue();
        INDArray m = x.max(true, d);                                    // (..., 1, ...)
        BooleanIndexing.replaceWhere(m, 0.0, Conditions.isInfinite()); // rows of -inf stay -inf, not NaN
        INDArray lse;
        try (INDArray e = Transforms.exp(x.sub(m), false); INDArray s = e.sum(true, d)) {
            lse = Transforms.log(s, true).addi(m);
        }
        m.close();
        int[] dims = {d};
        INDArray out = keepDim ? lse : Shapes.reshapeCopy(lse, Reductions.reducedShape(shape, dims, false));
        INDArray kept = keepDim ? lse : lse.reshape('c', Reductions.reducedShape(shape, dims, true));
        return Tensor.result("logSumExp", out, g -> {
            try (INDArray spread = Reductions.expand(g, shape, dims); INDArray shifted = x.sub(kept)) {
                INDArray p = Transforms.exp(shifted, true);
                a.accumulate(p.muli(spread));
            }
        }, a).save(keepDim ? new INDArray[0] : new INDArray[] {lse});
    }

    // ------------------------------------------------------------ fast twin (core.cpu): the definition above, faster

    /** {@link #softmax} over the last dimension of a small tensor with no graph (one-token decoding): one pass. */
    private static Tensor fastSoftmax(INDArray x) {
        return Tensor.inferenceResult("softmax", CpuKernels.softmaxLast(x));
    }
}
