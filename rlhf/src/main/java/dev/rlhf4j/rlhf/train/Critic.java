package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.util.Map;

/**
 * PPO's critic V(s): a value per position of a prompt + completion batch, read where the policy's logits predict
 * the next token, so that values line up with the completion mask and the per-token log-probs:
 * <pre>
 *   values[b, t] = v_head(h[b, t])      t = 0 .. T-2,  h the critic trunk's hidden states   (B, T-1)
 * </pre>
 * Two kinds: {@link SeparateCritic}, a GPT-2 of its own (TRL's {@code value_model}, initialised from the reward
 * model), and {@link SharedTrunkCritic}, a value head on the actor's trunk (one forward gives logits and values).
 */
public interface Critic extends AutoCloseable {
    /**
     * The values of a batch, in the autograd graph of the critic's parameters (and of {@code actorHidden} for a
     * shared trunk).
     *
     * @param batch       prompt + completion ids, right-padded      (B, T)
     * @param actorHidden the actor trunk's final hidden states of the same batch (B, T, C); a separate critic ignores them
     * @return values (B, T-1)
     */
    Tensor values(PaddedBatch batch, Tensor actorHidden);

    /** The parameters the critic's value loss trains beyond the actor's, by name (distinct from the actor's names). */
    Map<String, Tensor> trainableParameters();

    /** True when the values read the actor's hidden states (the value loss then also trains the actor's trunk). */
    boolean sharesActorTrunk();

    /** Frees the critic's own weights. */
    @Override
    void close();

    /** Per-position values (B, T) cut to the positions that predict a next token (B, T-1): the last predicts nothing. */
    static Tensor predictingPositions(Tensor perPosition) {
        return perPosition.narrow(1, 0, perPosition.size(1) - 1);                         // (B, T-1)
    }
}
