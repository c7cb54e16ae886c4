package dev.rlhf4j.rlhf.dpo;

import dev.rlhf4j.core.Tensor;

/**
 * What a {@link PreferenceLoss} returns for a batch.
 *
 * @param loss            mean of {@code losses}, in the graph of the policy log-probs  ()
 * @param losses          per-pair loss                                                  (B)
 * @param chosenRewards   beta (log pi(y_c) - log ref(y_c)), detached                     (B)
 * @param rejectedRewards beta (log pi(y_r) - log ref(y_r)), detached                     (B)
 * @param margins         chosenRewards - rejectedRewards                                 (B)
 * @param accuracy        fraction of pairs with chosenReward > rejectedReward
 */
public record PreferenceOutput(Tensor loss, Tensor losses, Tensor chosenRewards, Tensor rejectedRewards, Tensor margins,
                               double accuracy) {
}
