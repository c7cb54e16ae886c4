package dev.rlhf4j.core;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One AdamW update of a parameter in a single pass, with {@code torch.optim.AdamW}'s arithmetic, operation for
 * operation (its single-tensor CPU path):
 * <pre>
 *   p <- p (1 - lr wd)
 *   m <- lerp(m, g, 1 - b1) = m + (1 - b1) (g - m)
 *   v <- b2 v + (1 - b2) g g
 *   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * float32 parameters are updated in float32 arithmetic, as PyTorch does (scalars rounded to float first).
 *
 * <p>The update is bound by memory: it must read p, g, m, v and write p, m, v once. As a chain of ND4J ops it
 * streamed them about ten times, so on the CPU backend the loop runs in Java, split across cores: each chunk
 * is copied into heap arrays (a memory copy), updated by a loop the JIT vectorises (sqrt and division
 * included), and copied back. Other backends get the op chain.
 */
public final class AdamWKernel {
    private AdamWKernel() {
    }

    private static final int CHUNK = 1 << 14;

    /** Per-thread heap buffers for one chunk of p, g, m, v. */
    private static final ThreadLocal<float[][]> FLOAT_CHUNKS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);
    private static final ThreadLocal<double[][]> DOUBLE_CHUNKS = ThreadLocal.withInitial(() -> new double[4][CHUNK]);

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
            float w = (float) (1 - beta1);
            float b2 = (float) beta2;
            float w2 = (float) (1 - beta2);
            float fDecay = (float) decay;
            float fStep = (float) -stepSize;
            float fBc2 = (float) bc2Sqrt;
            float fEps = (float) eps;
            HostMemory.inParallel(p.length(), CHUNK, (from, to) -> {
                float[][] c = FLOAT_CHUNKS.get();
                float[] cp = c[0];
                float[] cg = c[1];
                float[] cm = c[2];
                float[] cv = c[3];
                int n = to - from;
                pb.get(from, cp, 0, n);
                gb.get(from, cg, 0, n);
                mb.get(from, cm, 0, n);
                vb.get(from, cv, 0, n);
                for (int i = 0; i < n; i++) {
                    float gi = cg[i];
                    float mi = w < 0.5f ? cm[i] + w * (gi - cm[i]) : gi - (gi - cm[i]) * (1 - w);
                    float vi = cv[i] * b2 + w2 * gi * gi;
                    float denom = (float) Math.sqrt(vi) / fBc2 + fEps;
                    cm[i] = mi;
                    cv[i] = vi;
                    cp[i] = cp[i] * fDecay + fStep * mi / denom;
                }
                pb.put(from, cp, 0, n);
                mb.put(from, cm, 0, n);
                vb.put(from, cv, 0, n);
            });
        } else if (direct) {
            DoubleBuffer pb = HostMemory.doubles(p);
            DoubleBuffer gb = HostMemory.doubles(g);
            DoubleBuffer mb = HostMemory.doubles(mm);
            DoubleBuffer vb = HostMemory.doubles(vv);
            double w = 1 - beta1;
            HostMemory.inParallel(p.length(), CHUNK, (from, to) -> {
                double[][] c = DOUBLE_CHUNKS.get();
                double[] cp = c[0];
                double[] cg = c[1];
                double[] cm = c[2];
                double[] cv = c[3];
                int n = to - from;
                pb.get(from, cp, 0, n);
                gb.get(from, cg, 0, n);
                mb.get(from, cm, 0, n);
                vb.get(from, cv, 0, n);
                for (int i = 0; i < n; i++) {
                    double gi = cg[i];
                    double mi = w < 0.5 ? cm[i] + w * (gi - cm[i]) : gi - (gi - cm[i]) * (1 - w);
                    double vi = cv[i] * beta2 + (1 - beta2) * gi * gi;
                    cm[i] = mi;
                    cv[i] = vi;
                    cp[i] = cp[i] * decay + -stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps);
                }
                pb.put(from, cp, 0, n);
                mb.put(from, cm, 0, n);
                vb.put(from, cv, 0, n);
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
