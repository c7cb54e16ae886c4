package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;

/**
 * A loss on preference pairs that depends on the policy only through the DPO delta
 * {@code d = (log pi(y_c) - log ref(y_c)) - (log pi(y_r) - log ref(y_r))} (Rafailov et al. 2023 and its
 * variants, one class each). {@link #compute} adds what TRL logs: the implicit rewards
 * <pre>
 *   reward_c = beta (log pi(y_c) - log ref(y_c)),   reward_r = beta (log pi(y_r) - log ref(y_r))
 *   margin   = reward_c - reward_r,                 accuracy = mean [reward_c > reward_r]
 * </pre>
 */
public interface PreferenceLoss {
    /** The inverse temperature beta of the implicit reward. */
    double beta();

    /** Whether the loss reads mean per-token log-probs (as TRL feeds IPO and SimPO) rather than their sums. */
    default boolean lengthNormalised() {
        return false;
    }

    /** Whether the delta's log-ratios need a reference model's log-probs (all but SimPO, whose reward is log pi). */
    default boolean needsReference() {
        return true;
    }

    /** The per-pair loss as a function of the delta; differentiable. (B) -> (B) */
    Tensor losses(Tensor delta);

    /** The mean loss (in the graph of the policy log-probs) and the detached implicit rewards. */
    default PreferenceOutput compute(PreferenceLogProbs logProbs) {
        Tensor losses = losses(logProbs.delta());                                          // (B)
        Tensor loss = losses.mean();                                                       // ()
        try (var noGrad = NoGrad.enter()) {
            Tensor chosen = logProbs.chosenLogRatio().mul(beta());                         // (B)
            Tensor rejected = logProbs.rejectedLogRatio().mul(beta());                     // (B)
            double accuracy = Masked.greater(chosen, rejected).mean().item();
            return new PreferenceOutput(loss, losses, chosen, rejected, chosen.sub(rejected), accuracy);
        }
    }
}
