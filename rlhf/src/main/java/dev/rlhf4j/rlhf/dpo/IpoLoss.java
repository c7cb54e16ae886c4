package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.Tensor;

/**
 * Identity Preference Optimisation (Azar et al., "A General Theoretical Paradigm to Understand Learning from
 * Human Preferences", 2023): a squared loss that regresses the delta to a finite target instead of pushing it
 * to infinity,
 * <pre>
 *   L(d) = (d - 1 / (2 beta))^2
 * </pre>
 * (TRL feeds it length-averaged log-probs; pass {@code TokenLogProbs.mean()} for that, {@code sum()} otherwise).
 *
 * @param beta the regularisation strength tau
 */
public record IpoLoss(double beta) implements PreferenceLoss {
    public IpoLoss {
        if (!(beta > 0)) {
            throw new IllegalArgumentException("IpoLoss needs beta > 0, got " + beta);
        }
    }

    @Override
    public boolean lengthNormalised() {
        return true;
    }

    @Override
    public Tensor losses(Tensor delta) {
        Tensor gap = delta.sub(1.0 / (2.0 * beta));                                       // (B)
        return gap.mul(gap);                                                               // (B)
    }
}
