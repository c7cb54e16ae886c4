package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.Collections;
import java.util.Map;

/**
 * The classic reference (InstructGPT, TRL's {@code create_reference_model}): a deep copy of the policy taken before
 * the first step, every parameter frozen ({@code requiresGrad false}), in eval mode (no dropout), sealed by a SHA-256
 * of its weights. The copy's tensors are its own: no optimizer built over the policy can reach them, and no step on
 * the policy changes them. It costs one more model of weights; every other strategy is measured against it.
 *
 * <p>Stored in the policy's type, or in a half type for {@link HalfPrecisionReference}; {@link SynchronizedReference}
 * moves its weights deliberately and seals them anew.
 */
public final class FrozenCopyReference implements ReferenceModel {
    private final CausalLM model;
    private final FrozenCheck check;

    /** Copies {@code policy} as it is now, in the policy's type. */
    public FrozenCopyReference(CausalLM policy) {
        this(policy, policy.dtype(), "FrozenCopyReference");
    }

    /** Copies {@code policy} as it is now, each weight converted to {@code storage} (rounded to nearest). */
    FrozenCopyReference(CausalLM policy, DType storage, String owner) {
        if (!storage.isFloating()) {
            throw new IllegalArgumentException(owner + ": a reference copy needs a floating type, got " + storage);
        }
        this.model = AutoModel.create(policy.config(), storage);
        model.copyParametersFrom(policy);
        model.freeze();
        model.eval();
        this.check = FrozenCheck.seal(owner, model.namedParameters()::forEach);
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return logProbs(batch, completionMask, 1.0);
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        return ((LogitsModel) model::forward).referenceLogProbs(batch, completionMask, temperature);
    }

    /** The frozen parameters by name, for {@link WeightDivergence#between}; read them, do not write them. */
    public Map<String, Tensor> weights() {
        return Collections.unmodifiableMap(model.namedParameters());
    }

    /** The type the weights are stored in. */
    public DType storage() {
        return model.dtype();
    }

    /** Its weights in their stored type: an executor builds the same copy from them. */
    @Override
    public ReferenceRecipe recipe() {
        return new Recipe(model.config(), TensorSnapshot.of(0, model.namedParameters()));
    }

    /** A frozen copy of a model of {@code config} holding {@code weights}, in the weights' type. */
    record Recipe(ModelConfig config, TensorSnapshot weights) implements ReferenceRecipe {
        private static final long serialVersionUID = 1L;

        @Override
        public ReferenceModel build(CausalLM policy, LoraModel lora) {
            DType storage = weights.entries().get(0).type();
            CausalLM stored = AutoModel.create(config, storage);
            try {
                weights.copyInto(stored.namedParameters(), "the rebuilt reference");
                return new FrozenCopyReference(stored, storage, storage.isHalf() ? "HalfPrecisionReference" : "FrozenCopyReference");
            } finally {
                stored.release();
            }
        }

        @Override
        public long bytes() {
            return weights.bytes();
        }
    }

    /** Takes the weights as they are now as the seal (after a synchronisation). */
    void reseal() {
        check.reseal(model.namedParameters()::forEach);
    }

    @Override
    public void verifyFrozen() {
        check.verify(model.namedParameters()::forEach);
    }

    @Override
    public long heldBytes() {
        return FrozenCheck.bytes(model.namedParameters());
    }

    @Override
    public void close() {
        model.release();
    }
}
