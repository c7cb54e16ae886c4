package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import java.util.Arrays;

/**
 * The four sequence log-probs a preference loss needs for a batch of (prompt, chosen, rejected) triples,
 * usually {@code TokenLogProbs.sum()} of each completion (or {@code mean()} for length-normalised variants):
 * <pre>
 *   delta = (log pi(y_c) - log ref(y_c)) - (log pi(y_r) - log ref(y_r))
 * </pre>
 *
 * @param policyChosen      log pi(y_c | x)   (B)
 * @param policyRejected    log pi(y_r | x)   (B)
 * @param referenceChosen   log ref(y_c | x)  (B)
 * @param referenceRejected log ref(y_r | x)  (B)
 */
public record PreferenceLogProbs(Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen, Tensor referenceRejected) {
    public PreferenceLogProbs {
        long[] s = policyChosen.shape();
        if (s.length != 1 || !Arrays.equals(s, policyRejected.shape()) || !Arrays.equals(s, referenceChosen.shape())
                || !Arrays.equals(s, referenceRejected.shape())) {
            throw new ShapeException("PreferenceLogProbs: all four must be (B), got policy chosen " + Masked.str(s)
                    + ", policy rejected " + Masked.str(policyRejected.shape()) + ", reference chosen "
                    + Masked.str(referenceChosen.shape()) + ", reference rejected " + Masked.str(referenceRejected.shape()));
        }
    }

    /** Without a reference model (SimPO, ORPO-style): the reference log-probs are 0, so delta = log pi(y_c) - log pi(y_r). */
    public static PreferenceLogProbs referenceFree(Tensor policyChosen, Tensor policyRejected) {
        Tensor zero = Tensor.zeros(policyChosen.dtype().computeType(), policyChosen.shape());  // (B)
        return new PreferenceLogProbs(policyChosen, policyRejected, zero, zero);
    }

    /** Swaps the roles of chosen and rejected (delta becomes -delta). */
    public PreferenceLogProbs swapped() {
        return new PreferenceLogProbs(policyRejected, policyChosen, referenceRejected, referenceChosen);
    }

    /** log pi(y_c) - log ref(y_c). (B) */
    public Tensor chosenLogRatio() {
        return policyChosen.sub(referenceChosen);                                          // (B)
    }

    /** log pi(y_r) - log ref(y_r). (B) */
    public Tensor rejectedLogRatio() {
        return policyRejected.sub(referenceRejected);                                      // (B)
    }

    /** The DPO delta (the "logits" of TRL and torchtune before the beta). (B) */
    public Tensor delta() {
        return chosenLogRatio().sub(rejectedLogRatio());                                   // (B)
    }
}
