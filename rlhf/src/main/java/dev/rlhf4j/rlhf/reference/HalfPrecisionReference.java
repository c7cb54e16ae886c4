package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.model.CausalLM;

/**
 * The frozen copy stored in bfloat16 or float16: half the bytes of a float32 copy. Only storage is halved: every
 * operation reading a half weight computes in float32 (see {@link DType}), so activations, logits and the log-probs
 * are float32 and the one error is the rounding of each weight to the storage type,
 * {@code |w16 - w| <= u |w|} with unit roundoff u = 2^-8 (bfloat16, 8 significant bits) or 2^-11 (float16).
 * Through log_softmax, which is 2-Lipschitz in the max norm, a log-prob moves at most twice as far as the largest
 * logit does.
 *
 * <p>An inference pass widens one block's weights at a time and the tied head's table a slab of rows at a time, so
 * the float32 copies never add up to a model. float16's range ends at 65504 and its normal numbers at 6.1e-5: smaller
 * weights lose precision or become 0. bfloat16 keeps float32's range at lower precision, which is why mixed-precision
 * training prefers it.
 */
public final class HalfPrecisionReference {
    private HalfPrecisionReference() {
    }

    /** A frozen copy of {@code policy} as it is now, each weight rounded to {@code storage} (BFLOAT16 or FLOAT16). */
    public static FrozenCopyReference of(CausalLM policy, DType storage) {
        if (!storage.isHalf()) {
            throw new IllegalArgumentException("HalfPrecisionReference: storage must be BFLOAT16 or FLOAT16, got " + storage);
        }
        return new FrozenCopyReference(policy, storage, "HalfPrecisionReference");
    }
}
