package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.Map;

/**
 * The frozen copy stored in bfloat16 or float16: half the bytes of a float32 copy. Only storage is halved: every
 * operation reading a half weight computes in float32 (see {@link DType}), so activations, logits and the log-probs
 * are float32 and the one error is the rounding of each weight to the storage type,
 * {@code |w16 - w| <= u |w|} with unit roundoff u = 2^-8 (bfloat16, 8 significant bits) or 2^-11 (float16).
 *
 * <p>float16's range ends at 65504 and its normal numbers at 6.1e-5: smaller weights lose precision (subnormals)
 * or become 0. bfloat16 keeps float32's range at lower precision, which is why mixed-precision training prefers it.
 */
public final class HalfPrecisionReference implements ReferenceModel {
    private final ModelCopy copy;

    /** Copies {@code policy} as it is now, each weight rounded to {@code storage} (BFLOAT16 or FLOAT16). */
    public HalfPrecisionReference(Gpt2LMHeadModel policy, DType storage) {
        if (!storage.isHalf()) {
            throw new IllegalArgumentException("HalfPrecisionReference: storage must be BFLOAT16 or FLOAT16, got " + storage);
        }
        this.copy = new ModelCopy("HalfPrecisionReference", policy, storage);
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return copy.logProbs(batch, completionMask);
    }

    /** The rounded frozen parameters by name. */
    public Map<String, Tensor> weights() {
        return copy.weights();
    }

    @Override
    public void verifyFrozen() {
        copy.verifyFrozen();
    }

    @Override
    public long heldBytes() {
        return copy.heldBytes();
    }

    @Override
    public void close() {
        copy.close();
    }
}
