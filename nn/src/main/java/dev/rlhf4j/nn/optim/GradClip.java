package dev.rlhf4j.nn.optim;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import java.util.List;

/** Global gradient-norm clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient in place by {@code min(1, maxNorm / (norm + 1e-6))}, where {@code norm} is the L2
     * norm of all gradients together. Returns the norm before clipping.
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        double sq = 0;
        try (Arena scratch = Arena.open(); NoGrad ng = NoGrad.enter()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    sq += g.mul(g).sum().item();
                }
            }
            double norm = Math.sqrt(sq);
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) {
                for (Tensor p : params) {
                    Tensor g = p.grad();
                    if (g != null) {
                        g.scaleInPlace(coef);
                    }
                }
            }
            return norm;
        }
    }
}
