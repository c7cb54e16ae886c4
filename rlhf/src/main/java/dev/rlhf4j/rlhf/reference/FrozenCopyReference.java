package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.Map;

/**
 * The classic reference (InstructGPT, TRL's {@code create_reference_model}): a deep copy of the policy taken before
 * the first step, every parameter frozen ({@code requiresGrad false}), in eval mode, in the policy's own type.
 * It costs one more model of weights; every other strategy is measured against it.
 */
public final class FrozenCopyReference implements ReferenceModel {
    private final ModelCopy copy;

    /** Copies {@code policy} as it is now. */
    public FrozenCopyReference(Gpt2LMHeadModel policy) {
        this.copy = new ModelCopy("FrozenCopyReference", policy, policy.dtype());
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return copy.logProbs(batch, completionMask);
    }

    /** The frozen parameters by name, for {@link WeightDivergence#between}. */
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
