package dev.rlhf4j.rlhf.rollout;

import java.io.Serializable;

/**
 * What a shard returns for one row, as heap arrays (they cross from executor to driver and outlive every arena).
 *
 * @param completion  the sampled tokens, cut after the stop token                      (C)
 * @param scores      one score per reward, in the order of the rollout's rewards        (K)
 * @param refLogProbs log pi_ref of each completion token at the temperature; null when no reference runs  (C)
 */
public record RolloutOutcome(int[] completion, double[] scores, double[] refLogProbs) implements Serializable {
    private static final long serialVersionUID = 1L;

    public RolloutOutcome {
        if (completion.length == 0 || (refLogProbs != null && refLogProbs.length != completion.length)) {
            throw new IllegalArgumentException("RolloutOutcome: a completion of " + completion.length + " tokens needs as many reference"
                    + " log-probs, got " + (refLogProbs == null ? "none" : refLogProbs.length));
        }
    }
}
