package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import java.io.Serializable;

/**
 * A reference as a value that can travel to another JVM (a Spark executor) and be rebuilt there beside that JVM's
 * copy of the policy. Each strategy that stays fixed during a run describes itself ({@link ReferenceModel#recipe}):
 * <pre>
 *   FrozenCopyReference (frozen, bf16, fp16)   its weights in their stored type      -> a frozen copy in that type
 *   OffloadedReference                         its file's bytes                       -> offloaded from a temporary file
 *   LoraDisabledReference                      nothing                                -> the replica's policy, adapters off
 *   PrecomputedReference                       nothing: each shard brings its rows' log-probs   -> no reference
 * </pre>
 * A rebuilt reference gives the driver's log-probs bit for bit: the same weights through the same code.
 */
public interface ReferenceRecipe extends Serializable {

    /**
     * The reference, rebuilt for {@code policy} (the replica's, with {@code lora} attached, or null without adapters);
     * null where the reference's log-probs travel with the work instead. The caller closes it.
     */
    ReferenceModel build(CausalLM policy, LoraModel lora);

    /** The payload the recipe carries (weights, a file), in bytes; none by default. */
    default long bytes() {
        return 0;
    }
}
