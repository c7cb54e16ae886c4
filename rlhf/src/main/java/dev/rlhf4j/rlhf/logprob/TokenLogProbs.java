package dev.rlhf4j.rlhf.logprob;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;

/**
 * The log-probability the model gives to each token that actually follows, on a padded batch.
 *
 * <p>Legend: B = batch, T = sequence length (prompt + completion + padding), V = vocabulary.
 * Logits at position t predict token t+1, so the per-token quantities have T-1 positions:
 * <pre>
 *   logp[b, t] = log_softmax(logits[b, t, :] / temperature)[ids[b, t+1]]     t = 0 .. T-2
 *   sum[b]     = sum_t mask[b, t] logp[b, t]
 *   mean[b]    = sum[b] / sum_t mask[b, t]
 * </pre>
 * {@code completionMask[b, t]} is 1 where token t+1 is a completion token (the scored positions) and 0 for
 * prompt and padding; masked entries of {@link #logProbs()} are exactly 0. Half-precision logits are upcast to
 * float32 first; float64 logits stay float64. The result stays in the autograd graph of the logits.
 *
 * @param logProbs per-token log-probs, 0 where the mask is 0     (B, T-1)
 * @param mask     the completion mask they were computed with   (B, T-1)
 */
public record TokenLogProbs(Tensor logProbs, Tensor mask) {
    /** Zeroes the masked entries of {@code logProbs} (so per-token values from elsewhere can be wrapped too). */
    public TokenLogProbs {
        logProbs = Masked.fill(logProbs, mask);                                            // (B, T-1)
    }

    /**
     * Next-token log-probs of a causal LM's output.
     *
     * @param logits         (B, T, V) any floating type
     * @param inputIds       (B, T) int64: prompt + completion (+ padding)
     * @param completionMask (B, T-1) float 0/1: position t is scored iff token t+1 is a completion token
     * @param temperature    the sampling temperature the logits are divided by (1 for none)
     */
    public static TokenLogProbs of(Tensor logits, Tensor inputIds, Tensor completionMask, double temperature) {
        checkNextToken("TokenLogProbs.of", logits, inputIds, completionMask);
        long t = logits.size(1);
        Tensor predicting = logits.narrow(1, 0, t - 1);                                    // (B, T-1, V)
        Tensor next = inputIds.narrow(1, 1, t - 1);                                        // (B, T-1)
        return ofActions(predicting, next, completionMask, temperature);
    }

    /**
     * Log-probs of given actions under logits already aligned with them (no shift):
     * {@code logp[b, t] = log_softmax(logits[b, t, :] / temperature)[actions[b, t]]}.
     *
     * @param logits  (B, N, V)
     * @param actions (B, N) int64
     * @param mask    (B, N) float 0/1
     */
    public static TokenLogProbs ofActions(Tensor logits, Tensor actions, Tensor mask, double temperature) {
        checkAligned("TokenLogProbs.ofActions", logits, actions, mask);
        Tensor wide = logits.dtype().isHalf() ? logits.to(DType.FLOAT32) : logits;         // (B, N, V)
        Tensor logp = wide.logSoftmaxGather(actions, temperature);                         // (B, N)
        return new TokenLogProbs(logp, mask);
    }

    /** {@code log_softmax(logits / temperature)} over the vocabulary, in float32 or wider. (..., V) */
    public static Tensor logSoftmax(Tensor logits, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        Tensor wide = logits.dtype().isHalf() ? logits.to(DType.FLOAT32) : logits;         // (..., V)
        Tensor scaled = temperature == 1.0 ? wide : wide.div(temperature);                 // (..., V)
        return scaled.logSoftmax(-1);                                                      // (..., V)
    }

    /** Sum over each sequence's scored tokens: log pi(completion | prompt). (B) */
    public Tensor sum() {
        return Masked.rowSum(logProbs, mask);                                              // (B)
    }

    /** Mean over each sequence's scored tokens (the length-normalised log-prob of SimPO / IPO variants). (B) */
    public Tensor mean() {
        return Masked.rowMean(logProbs, mask);                                             // (B)
    }

    /** Checks logits (B, T, V), ids (B, T) and mask (B, T-1); the message names all three shapes. */
    static void checkNextToken(String op, Tensor logits, Tensor ids, Tensor mask) {
        long[] l = logits.shape();
        long[] i = ids.shape();
        long[] m = mask.shape();
        boolean ok = l.length == 3 && i.length == 2 && m.length == 2 && l[1] >= 2
                && i[0] == l[0] && i[1] == l[1] && m[0] == l[0] && m[1] == l[1] - 1;
        if (!ok) {
            throw new ShapeException(op + ": expected logits (B, T, V), inputIds (B, T) and completionMask (B, T-1) with T >= 2, got logits "
                    + Masked.str(l) + ", inputIds " + Masked.str(i) + ", completionMask " + Masked.str(m));
        }
        checkIds(op, ids);
    }

    static void checkAligned(String op, Tensor logits, Tensor actions, Tensor mask) {
        long[] l = logits.shape();
        long[] a = actions.shape();
        long[] m = mask.shape();
        boolean ok = l.length == 3 && a.length == 2 && m.length == 2
                && a[0] == l[0] && a[1] == l[1] && m[0] == l[0] && m[1] == l[1];
        if (!ok) {
            throw new ShapeException(op + ": expected logits (B, N, V), actions (B, N) and mask (B, N), got logits "
                    + Masked.str(l) + ", actions " + Masked.str(a) + ", mask " + Masked.str(m));
        }
        checkIds(op, actions);
        if (!mask.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": mask must be a float tensor of 0/1, got " + mask.dtype());
        }
    }

    private static void checkIds(String op, Tensor ids) {
        if (ids.dtype() != DType.INT64 && ids.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": token ids must be int64, got " + ids.dtype());
        }
    }
}
