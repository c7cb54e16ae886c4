package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;

/**
 * What a reference strategy needs of a language model: the logits of a padded batch, e.g.
 * {@code CausalLM::forward}. {@link #referenceLogProbs} is the one reference pass every strategy that runs a
 * model shares.
 *
 * <p>Legend: B batch, T sequence length, V vocabulary.
 */
@FunctionalInterface
public interface LogitsModel {
    /** Logits (B, T, V) of the batch's ids (B, T), pads hidden by its attention mask. */
    Tensor logits(PaddedBatch batch);

    /**
     * One reference pass: {@code logp[b, t] = log_softmax(logits[b, t])[ids[b, t+1]]}, 0 where the mask is 0, with
     * no graph recorded. The (B, T, V) logits and every intermediate are freed before returning; only the (B, T-1)
     * log-probs go to the caller's arena.
     *
     * @param completionMask (B, T-1) float 0/1
     */
    default TokenLogProbs referenceLogProbs(PaddedBatch batch, Tensor completionMask) {
        return referenceLogProbs(batch, completionMask, 1.0);
    }

    /** As {@link #referenceLogProbs(PaddedBatch, Tensor)} on {@code log_softmax(logits / temperature)}. */
    default TokenLogProbs referenceLogProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        checkMask(batch, completionMask);
        Tensor kept;
        try (NoGrad ng = NoGrad.enter(); Arena pass = Arena.open()) {
            Tensor logits = logits(batch);                                                   // (B, T, V)
            Tensor ids = batch.inputIdTensor(0, batch.length());                             // (B, T)
            kept = pass.keep(TokenLogProbs.of(logits, ids, completionMask, temperature).logProbs());  // (B, T-1)
        }
        return new TokenLogProbs(kept, completionMask);
    }

    /** Throws a {@link ShapeException} naming both shapes unless the mask is a float (B, T-1) for a (B, T) batch. */
    static void checkMask(PaddedBatch batch, Tensor completionMask) {
        long[] m = completionMask.shape();
        if (batch.length() < 2 || m.length != 2 || m[0] != batch.batchSize() || m[1] != batch.length() - 1) {
            throw new ShapeException("reference log-probs: a batch of (B, T) = (" + batch.batchSize() + ", " + batch.length()
                    + ") needs a completion mask (B, T-1) with T >= 2, got " + Masked.str(m));
        }
        if (!completionMask.dtype().isFloating()) {
            throw new IllegalArgumentException("reference log-probs: the completion mask must be a float tensor of 0/1, got "
                    + completionMask.dtype());
        }
    }
}
