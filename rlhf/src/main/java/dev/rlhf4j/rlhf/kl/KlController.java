package dev.rlhf4j.rlhf.kl;

/**
 * Chooses the KL penalty coefficient beta of the PPO reward {@code r_t = -beta KL_t (+ score)}. Controllers are
 * immutable: {@link #update} returns the controller for the next step.
 */
public interface KlController {
    /** The coefficient beta to use now. */
    double beta();

    /**
     * The controller after observing a batch.
     *
     * @param observedKl the mean sequence-level KL(policy || reference) of the batch just trained on
     * @param steps      how many samples (episodes) that batch contained
     */
    KlController update(double observedKl, long steps);
}
