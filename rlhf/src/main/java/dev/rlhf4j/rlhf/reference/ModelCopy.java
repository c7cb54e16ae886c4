package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.Collections;
import java.util.Map;

/**
 * A second model with the policy's weights, stored in {@code type}: every parameter frozen, eval mode (no dropout),
 * sealed by a {@link FrozenCheck}. The copy's tensors are its own: no optimizer built over the policy can reach
 * them, and no step on the policy changes them. Shared by the strategies that keep a whole copy.
 */
final class ModelCopy {
    private final Gpt2LMHeadModel model;
    private final FrozenCheck check;

    ModelCopy(String owner, Gpt2LMHeadModel policy, DType type) {
        if (!type.isFloating()) {
            throw new IllegalArgumentException(owner + ": a reference copy needs a floating type, got " + type);
        }
        this.model = new Gpt2LMHeadModel(policy.config(), type);
        model.copyParametersFrom(policy);                     // converts float32 to the storage type, rounding to nearest
        model.freeze();
        model.eval();
        this.check = FrozenCheck.seal(owner, model.namedParameters()::forEach);
    }

    TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return ((CausalLm) model::forward).referenceLogProbs(batch, completionMask);
    }

    /** The copy's parameters by name (read them; writing is the business of {@link SynchronizedReference}). */
    Map<String, Tensor> weights() {
        return Collections.unmodifiableMap(model.namedParameters());
    }

    Gpt2LMHeadModel model() {
        return model;
    }

    void verifyFrozen() {
        check.verify(model.namedParameters()::forEach);
    }

    void reseal() {
        check.reseal(model.namedParameters()::forEach);
    }

    long heldBytes() {
        return FrozenCheck.bytes(model.namedParameters());
    }

    void close() {
        model.release();
    }
}
