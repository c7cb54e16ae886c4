package dev.rlhf4j.rlhf.logprob;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;

/**
 * Entropy of the next-token distribution at each position of a padded batch:
 * <pre>
 *   H[b, t] = -sum_v p(v) log p(v),   log p = log_softmax(logits[b, t, :] / temperature)     t = 0 .. T-2
 * </pre>
 * with the same shift, mask and temperature conventions as {@link TokenLogProbs#of}; masked entries are 0.
 * Differentiable with respect to the logits (the PPO entropy bonus backpropagates through it).
 */
public final class TokenEntropy {
    private TokenEntropy() {
    }

    /**
     * @param logits         (B, T, V)
     * @param completionMask (B, T-1) float 0/1: position t is scored iff token t+1 is a completion token
     * @return per-token entropy in nats, 0 where the mask is 0  (B, T-1)
     */
    public static Tensor of(Tensor logits, Tensor completionMask, double temperature) {
        long[] l = logits.shape();
        long[] m = completionMask.shape();
        if (l.length != 3 || m.length != 2 || l[1] < 2 || m[0] != l[0] || m[1] != l[1] - 1) {
            throw new ShapeException("TokenEntropy.of: expected logits (B, T, V) and completionMask (B, T-1), got logits "
                    + Masked.str(l) + ", completionMask " + Masked.str(m));
        }
        Tensor predicting = logits.narrow(1, 0, l[1] - 1);                                 // (B, T-1, V)
        return Masked.fill(ofDistributions(predicting, temperature), completionMask);      // (B, T-1)
    }

    /** Entropy of {@code softmax(logits / temperature)} along the last dimension, unmasked: (..., V) gives (...). */
    public static Tensor ofDistributions(Tensor logits, double temperature) {
        Tensor wide = logits.dtype().isHalf() ? logits.to(DType.FLOAT32) : logits;         // (..., V)
        return wide.softmaxEntropy(temperature);                                           // (...)
    }
}
