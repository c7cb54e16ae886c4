package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One AdamW update of a parameter with {@code torch.optim.AdamW}'s arithmetic, operation for operation (its
 * single-tensor CPU path), at step t (1-based):
 * <pre>
 *   p <- p (1 - lr wd)
 *   m <- lerp(m, g, 1 - b1) = m + (1 - b1) (g - m)
 *   v <- b2 v + (1 - b2) g g
 *   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Nothing is recorded for autograd. The update is bound by memory: as ND4J ops below it streams the parameter
 * about ten times, so on the CPU a float32 parameter takes one pass that does the same arithmetic (core.cpu).
 */
public final class AdamWUpdate {
    private AdamWUpdate() {
    }

    /**
     * Updates {@code param}, {@code m} and {@code v} in place from {@code grad}; all four share shape, and grad, m and
     * v are in param's compute type. A float16 / bfloat16 parameter is updated in float32 and stored rounded back.
     */
    public static void step(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
                            double eps, double weightDecay, long t) {
        if (t < 1) {
            throw new IllegalArgumentException("AdamW: step must be >= 1, got " + t);
        }
        if (param.dtype().isHalf()) {
            INDArray stored = param.value();
            try (INDArray wide = stored.castTo(DataType.FLOAT)) {
                update(wide, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, t);
                stored.assign(wide);
            }
            return;
        }
        update(param.value(), param, grad, m, v, lr, beta1, beta2, eps, weightDecay, t);
    }

    private static void update(INDArray p, Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1,
                               double beta2, double eps, double weightDecay, long t) {
        INDArray g = grad.value();
        INDArray mm = m.value();
        INDArray vv = v.value();
        for (INDArray other : new INDArray[] {g, mm, vv}) {
            if (other.length() != p.length() || other.dataType() != p.dataType()) {
                throw Shapes.mismatch("AdamW", param.shape(), grad.shape(), "(with m and v) must share shape and type");
            }
        }
        double decay = 1 - lr * weightDecay;
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        if (p.dataType() == DataType.FLOAT && CpuKernels.applies(Path.HOST, p, g, mm, vv)) {
            CpuKernels.adamW(p, g, mm, vv, beta1, beta2, eps, decay, stepSize, bc2Sqrt);   // the same arithmetic, one pass
            return;
        }
        p.muli(decay);
        try (INDArray step = g.sub(mm)) {                                  // lerp: m + (1 - b1) (g - m)
            mm.addi(step.muli(1 - beta1));
        }
        vv.muli(beta2);
        try (INDArray sq = g.mul(g)) {
            vv.addi(sq.muli(1 - beta2));
        }
        try (INDArray denom = Transforms.sqrt(vv, true)) {
            denom.divi(bc2Sqrt).addi(eps);
            try (INDArray update = mm.div(denom)) {
                p.subi(update.muli(stepSize));
            }
        }
    }
}
