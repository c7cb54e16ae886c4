package dev.rlhf4j.rlhf.kl;

import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.Arrays;

/**
 * The exact KL divergence between the policy's and the reference's next-token distributions, summed over the
 * whole vocabulary at each position (no sampling):
 * <pre>
 *   KL_t(pi || ref) = sum_v pi(v) (log pi(v) - log ref(v)),
 *   log pi = log_softmax(policyLogits_t / temperature),  log ref = log_softmax(referenceLogits_t / temperature)
 * </pre>
 * It is >= 0 and 0 exactly when the two distributions agree. {@link #of} follows {@link TokenLogProbs#of}'s
 * conventions: logits (B, T, V), position t (predicting token t+1) scored where {@code completionMask[b, t] = 1}.
 * Differentiable with respect to both logits. The trainers estimate KL from samples ({@link KlEstimator}); this is
 * the quantity the tests check those estimators against.
 */
public final class ExactKl {
    private ExactKl() {
    }

    /**
     * Per-token exact KL on a padded batch, 0 where the mask is 0.
     *
     * @param policyLogits    (B, T, V)
     * @param referenceLogits (B, T, V)
     * @param completionMask  (B, T-1) float 0/1
     * @return (B, T-1)
     */
    public static Tensor of(Tensor policyLogits, Tensor referenceLogits, Tensor completionMask, double temperature) {
        long[] p = policyLogits.shape();
        long[] r = referenceLogits.shape();
        long[] m = completionMask.shape();
        if (p.length != 3 || !Arrays.equals(p, r) || m.length != 2 || p[1] < 2 || m[0] != p[0] || m[1] != p[1] - 1) {
            throw new ShapeException("ExactKl.of: expected policy and reference logits (B, T, V) and completionMask (B, T-1), got policy "
                    + Masked.str(p) + ", reference " + Masked.str(r) + ", completionMask " + Masked.str(m));
        }
        long t = p[1];
        Tensor kl = ofDistributions(policyLogits.narrow(1, 0, t - 1),                     // (B, T-1, V)
                referenceLogits.narrow(1, 0, t - 1), temperature);                        // (B, T-1)
        return Masked.fill(kl, completionMask);                                            // (B, T-1)
    }

    /** Sum over each sequence's scored positions. (B) */
    public static Tensor perSequence(Tensor policyLogits, Tensor referenceLogits, Tensor completionMask, double temperature) {
        return of(policyLogits, referenceLogits, completionMask, temperature).sum(-1, false);     // (B)
    }

    /** KL(softmax(p / temperature) || softmax(q / temperature)) along the last dimension, unmasked: (..., V) gives (...). */
    public static Tensor ofDistributions(Tensor policyLogits, Tensor referenceLogits, double temperature) {
        if (!Arrays.equals(policyLogits.shape(), referenceLogits.shape())) {
            throw new ShapeException("ExactKl: policy logits " + Masked.str(policyLogits.shape())
                    + " and reference logits " + Masked.str(referenceLogits.shape()) + " differ in shape");
        }
        Tensor logPi = TokenLogProbs.logSoftmax(policyLogits, temperature);               // (..., V)
        Tensor logRef = TokenLogProbs.logSoftmax(referenceLogits, temperature);           // (..., V)
        return logPi.exp().mul(logPi.sub(logRef)).sum(-1, false);                          // (...)
    }
}
