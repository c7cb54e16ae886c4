package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.LoraDisabledReference;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.PrecomputedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoGradient;
import dev.rlhf4j.rlhf.train.DpoGradientShard;
import dev.rlhf4j.rlhf.train.DpoStep;
import dev.rlhf4j.rlhf.train.StepObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;

/**
 * An executor's DPO policy and reference. The policy is a GPT-2 of the driver's shape, with LoRA adapters when the
 * driver trains through them; the reference is rebuilt from what the driver broadcast once per run:
 * <pre>
 *   frozen, bf16, fp16   a frozen copy in the reference's storage type, from its weights            (once per run)
 *   offloaded            a frozen copy of the file's weights, read by the driver (same log-probs)   (once per run)
 *   lora-disabled        the replica itself with its adapters off, over the broadcast base weights   (once per run)
 *   precomputed          none: the driver sends each shard its rows' cached log-probs               (with the shard)
 * </pre>
 * A reference that moves during the run (SynchronizedReference, PeriodicReference) is refused: its weights would
 * have to follow the driver's every few steps, which this path does not do.
 */
public final class DpoGradientReplica implements GradientReplica<DpoGradientShard, DpoStep> {
    private final CausalLM policy;
    private final LoraModel lora;
    private final ReferenceModel reference;
    private final DpoGradient gradient;

    private DpoGradientReplica(CausalLM policy, LoraModel lora, ReferenceModel reference, DpoConfig config) {
        this.policy = policy;
        this.lora = lora;
        this.reference = reference;
        this.gradient = new DpoGradient(policy, lora != null ? lora : policy, reference, config);
    }

    /** How the executor's reference is made. */
    public enum ReferenceKind { NONE, SHARD_LOG_PROBS, FROZEN_COPY, LORA_DISABLED }

    /**
     * What an executor needs: the policy's shape, DPO's config, the frozen base weights under LoRA (null without),
     * the reference's kind and, for a copy, its weights in their storage type.
     */
    public record Recipe(GradientModel model, DpoConfig config, Broadcast<TensorSnapshot> base, ReferenceKind kind,
                         Broadcast<TensorSnapshot> referenceWeights, DType referenceStorage)
            implements GradientReplica.Recipe<DpoGradientShard, DpoStep> {
        private static final long serialVersionUID = 1L;

        @Override
        public GradientReplica<DpoGradientShard, DpoStep> build() {
            CausalLM policy = model.policy();
            LoraModel lora = model.lora() != null ? model.attach(policy) : null;
            if (base != null) {
                base.value().copyInto(policy.namedParameters(), "DPO replica base");   // the names with the adapters on
            }
            ReferenceModel reference = switch (kind) {
                case NONE, SHARD_LOG_PROBS -> null;
                case LORA_DISABLED -> LoraDisabledReference.of(policy, lora);
                case FROZEN_COPY -> {
                    CausalLM weights = model.model(referenceStorage);
                    try {
                        referenceWeights.value().copyInto(weights.namedParameters(), "DPO replica reference");
                        yield new FrozenCopyReference(weights);
                    } finally {
                        weights.release();
                    }
                }
            };
            return new DpoGradientReplica(policy, lora, reference, config);
        }
    }

    /**
     * DPO's shards computed on {@code cluster}'s executors for a trainer of {@code policy} (through {@code lora} when
     * not null) against {@code reference}; close it when the run ends.
     *
     * @throws IllegalArgumentException for a reference that moves during the run, in one line naming the ones that work
     */
    public static SparkGradients<DpoGradientShard, DpoStep> on(SparkCluster cluster, CausalLM policy, LoraModel lora,
                                                                ReferenceModel reference, DpoConfig config) {
        var context = cluster.context();
        Broadcast<TensorSnapshot> base = lora != null ? context.broadcast(TensorSnapshot.of(0, policy.namedParameters())) : null;
        ReferenceKind kind;
        Broadcast<TensorSnapshot> weights = null;
        DType storage = null;
        if (reference == null) {
            kind = ReferenceKind.NONE;
        } else if (reference instanceof PrecomputedReference) {
            kind = ReferenceKind.SHARD_LOG_PROBS;
        } else if (reference instanceof LoraDisabledReference) {
            if (lora == null) {
                throw new IllegalArgumentException("--master: a LoraDisabledReference needs the LoRA adapters it switches off");
            }
            kind = ReferenceKind.LORA_DISABLED;
        } else if (reference instanceof FrozenCopyReference copy) {
            kind = ReferenceKind.FROZEN_COPY;
            storage = copy.storage();
            weights = context.broadcast(TensorSnapshot.of(0, copy.weights()));
        } else if (reference instanceof OffloadedReference offloaded) {
            kind = ReferenceKind.FROZEN_COPY;
            storage = policy.dtype();
            CausalLM file = AutoModel.create(policy.config(), storage);
            try {
                AutoModel.loadWeights(file, offloaded.file());
                weights = context.broadcast(TensorSnapshot.of(0, file.namedParameters()));
            } finally {
                file.release();
            }
        } else {
            throw new IllegalArgumentException("--master: DPO distributes the frozen, bf16, fp16, offloaded, lora-disabled and precomputed"
                    + " references; " + reference.getClass().getSimpleName() + " moves with the policy during the run: run it without --master");
        }
        Map<String, Tensor> trainable = lora != null ? lora.namedParameters() : policy.namedParameters();
        List<Broadcast<TensorSnapshot>> frozen = new ArrayList<>();
        if (base != null) {
            frozen.add(base);
        }
        if (weights != null) {
            frozen.add(weights);
        }
        return new SparkGradients<>(cluster, trainable,
                new Recipe(GradientModel.of(policy, lora), config, base, kind, weights, storage), "dpo-policy", frozen);
    }

    @Override
    public Map<String, Tensor> trainable() {
        return lora != null ? lora.namedParameters() : policy.namedParameters();
    }

    @Override
    public DpoStep run(DpoGradientShard shard) {
        return gradient.step(shard, StepObserver.NONE);
    }

    @Override
    public void release() {
        if (reference != null) {
            reference.close();
        }
        if (lora != null) {
            lora.release();
        }
        policy.release();
    }
}
