package dev.rlhf4j.core.cpu;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code AdamWUpdate}'s arithmetic as one pass over each parameter in host memory, split across cores: each chunk
 * of p, g, m, v is copied into heap arrays, updated by a loop the JIT vectorises (sqrt and division included),
 * and copied back. As ND4J ops the memory-bound update streamed them about ten times. float32 only, in float32
 * arithmetic with the scalars rounded to float first, as PyTorch does (float64 parameters take the ND4J ops).
 */
final class AdamWKernel {
    private AdamWKernel() {
    }

    private static final int CHUNK = 1 << 14;

    /** Per-thread heap buffers for one chunk of p, g, m, v. */
    private static final ThreadLocal<float[][]> FLOAT_CHUNKS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    /**
     * {@code p (1 - lr wd) - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)} with m and v updated first; all
     * four arrays contiguous float32; {@code decay = 1 - lr wd}, {@code stepSize = lr / (1 - b1^t)},
     * {@code bc2Sqrt = sqrt(1 - b2^t)}.
     */
    static void step(INDArray p, INDArray g, INDArray mm, INDArray vv, double beta1, double beta2, double eps,
                     double decay, double stepSize, double bc2Sqrt) {
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
    }
}
