package dev.rlhf4j.nn.model;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;

/**
 * The LM head's product, shared by every family: hidden states (B, T, C) to logits (B, T, V) = {@code h @ W^T} for a
 * (V, C) weight, the token embedding (tied) or {@code lm_head.weight} (untied; torch Linear layout). Backward writes
 * dW straight into W's (V, C) gradient (core's matmul recognises the transposed leaf). A half-precision W in an
 * inference pass is widened to float32 {@link #SLAB} rows at a time, each slab's logits written into place: the
 * float32 copy of the whole table (twice the half model's largest tensor) never exists.
 *
 * <p>Legend: B batch, T time, C channels, V vocabulary.
 */
public final class LmHead {
    /** Vocabulary rows of a half-precision weight widened at once by an inference pass. */
    public static final long SLAB = 4096;

    private LmHead() {
    }

    /** Logits (B, T, V) of {@code hidden} (B, T, C) against {@code weight} (V, C). */
    public static Tensor logits(Tensor hidden, Tensor weight) {
        if (!NoGrad.isActive() || !weight.dtype().isHalf() || hidden.rank() != 3) {
            return DecoderModel.stage(() -> hidden.matmul(weight.transpose(0, 1)));             // (B, T, V)
        }
        long v = weight.size(0);
        long[] s = hidden.shape();
        Tensor logits = Tensor.zeros(DType.FLOAT32, s[0], s[1], v);                             // (B, T, V)
        for (long first = 0; first < v; first += SLAB) {
            long n = Math.min(SLAB, v - first);
            try (Arena slab = Arena.open()) {
                Tensor part = hidden.matmul(weight.narrow(0, first, n).transpose(0, 1));         // (B, T, n)
                logits.narrow(2, first, n).assign(part);
            }
        }
        return logits;
    }
}
