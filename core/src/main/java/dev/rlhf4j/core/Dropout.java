package dev.rlhf4j.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inverted dropout: each element is zeroed with probability p and the survivors are scaled by 1/(1-p), so
 * the expected value is unchanged and evaluation needs no rescaling. The mask comes from the caller's seeded
 * {@link TensorRandom}, so a run replays exactly. Backward multiplies by the same mask.
 */
final class Dropout {
    private Dropout() {
    }

    static Tensor apply(Tensor a, double p, TensorRandom random) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1), got " + p);
        }
        INDArray x = a.computeValue();
        if (p == 0) {
            return Tensor.viewResult("dropout", x, g -> a.accumulate(g.dup()), a);
        }
        INDArray mask;                                                   // 0 or 1/(1-p)
        try (INDArray u = random.uniformArray(x.dataType(), 0.0, 1.0, x.shape()); INDArray keep = u.gte(p)) {
            mask = keep.castTo(x.dataType()).muli(1.0 / (1.0 - p));
        }
        return Tensor.result("dropout", x.mul(mask), g -> a.accumulate(g.mul(mask)), a).save(mask);
    }
}
