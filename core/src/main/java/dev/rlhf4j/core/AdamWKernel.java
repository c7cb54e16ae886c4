package dev.rlhf4j.core;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One AdamW update of a parameter in a single pass, with {@code torch.optim.AdamW}'s arithmetic:
 * <pre>
 *   p <- p (1 - lr wd)
 *   m <- b1 m + (1 - b1) g,    v <- b2 v + (1 - b2) g^2
 *   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * The update is bound by memory: it must read p, g, m, v and write p, m, v once. As a chain of ND4J ops it
 * streamed them about ten times and ND4J's float sqrt alone cost 2.5 ns an element, so on the CPU backend
 * the loop runs in Java over the arrays' own memory, split across cores. Other backends get the op chain.
 */
public final class AdamWKernel {
    private AdamWKernel() {
    }

    private static final int CHUNK = 1 << 16;

    /**
     * Updates {@code param}, {@code m} and {@code v} in place from {@code grad} at step {@code t} (1-based).
     * All four must share shape and compute type; nothing is recorded for autograd.
     */
    public static void step(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
                            double eps, double weightDecay, long t) {
        if (t < 1) {
            throw new IllegalArgumentException("AdamW: step must be >= 1, got " + t);
        }
        INDArray p = param.value();
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
        boolean direct = HostMemory.usable(p, g, mm, vv);
        if (direct && p.dataType() == DataType.FLOAT) {
            FloatBuffer pb = HostMemory.floats(p);
            FloatBuffer gb = HostMemory.floats(g);
            FloatBuffer mb = HostMemory.floats(mm);
            FloatBuffer vb = HostMemory.floats(vv);
            HostMemory.inParallel(p.length(), CHUNK, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float gi = gb.get(i);
                    float mi = (float) (beta1 * mb.get(i) + (1 - beta1) * gi);
                    float vi = (float) (beta2 * vb.get(i) + (1 - beta2) * gi * gi);
                    mb.put(i, mi);
                    vb.put(i, vi);
                    pb.put(i, (float) (pb.get(i) * decay - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps)));
                }
            });
        } else if (direct) {
            DoubleBuffer pb = HostMemory.doubles(p);
            DoubleBuffer gb = HostMemory.doubles(g);
            DoubleBuffer mb = HostMemory.doubles(mm);
            DoubleBuffer vb = HostMemory.doubles(vv);
            HostMemory.inParallel(p.length(), CHUNK, (from, to) -> {
                for (int i = from; i < to; i++) {
                    double gi = gb.get(i);
                    double mi = beta1 * mb.get(i) + (1 - beta1) * gi;
                    double vi = beta2 * vb.get(i) + (1 - beta2) * gi * gi;
                    mb.put(i, mi);
                    vb.put(i, vi);
                    pb.put(i, pb.get(i) * decay - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps));
                }
            });
        } else {
            withOps(p, g, mm, vv, beta1, beta2, eps, decay, stepSize, bc2Sqrt);
        }
    }

    /** The same update as ND4J ops, for backends whose memory Java cannot address. */
    private static void withOps(INDArray p, INDArray g, INDArray m, INDArray v, double beta1, double beta2, double eps,
                                double decay, double stepSize, double bc2Sqrt) {
        p.muli(decay);
        m.muli(beta1);
        try (INDArray scaled = g.mul(1 - beta1)) {
            m.addi(scaled);
        }
        v.muli(beta2);
        try (INDArray sq = g.mul(g)) {
            v.addi(sq.muli(1 - beta2));
        }
        try (INDArray denom = Transforms.sqrt(v, true)) {
            denom.divi(bc2Sqrt).addi(eps);
            try (INDArray update = m.div(denom)) {
                p.subi(update.muli(stepSize));
            }
        }
    }

}
