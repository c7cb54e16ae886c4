package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.Tensor;

/**
 * The hinge preference loss of SLiC (Zhao et al. 2023) and RSO (Liu et al. 2023) on the DPO delta:
 * <pre>
 *   L(d) = max(0, 1 - beta d)
 * </pre>
 * Zero once the margin beta d reaches 1 (torchtune calls beta "gamma").
 *
 * @param beta scale of the delta
 */
public record HingeDpoLoss(double beta) implements PreferenceLoss {
    public HingeDpoLoss {
        if (!(beta > 0)) {
            throw new IllegalArgumentException("HingeDpoLoss needs beta > 0, got " + beta);
        }
    }

    @Override
    public Tensor losses(Tensor delta) {
        return delta.mul(-beta).add(1.0).relu();                                           // (B)
    }
}
