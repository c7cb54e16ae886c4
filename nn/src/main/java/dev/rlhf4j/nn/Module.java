package dev.rlhf4j.nn;

import dev.rlhf4j.core.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or model that owns parameters, each under its Hugging Face checkpoint name
 * ({@code transformer.h.0.attn.c_attn.weight}, ...), so that loading and saving are key copies.
 *
 * <p>Parameters are leaves created outside any {@code Arena}; their owner keeps them for the model's lifetime.
 */
public interface Module {
    /** Adds this module's parameters to {@code out} under their full names, in checkpoint order. */
    void collectParameters(Map<String, Tensor> out);

    /**
     * Adds this module's {@link Linear} layers under their module names ({@code transformer.h.0.attn.c_attn}), in
     * checkpoint order: the places where adapters attach. Modules without linear layers add nothing.
     */
    default void collectLinears(Map<String, Linear> out) {
    }

    /** Every {@link Linear} layer by module name, in checkpoint order. */
    default Map<String, Linear> namedLinears() {
        Map<String, Linear> out = new LinkedHashMap<>();
        collectLinears(out);
        return out;
    }

    /** Every parameter by full name, in checkpoint order. */
    default Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectParameters(out);
        return out;
    }

    default List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Total number of scalar parameters. */
    default long numParameters() {
        long n = 0;
        for (Tensor p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    /** Stops gradients for every parameter (e.g. a frozen reference model or a frozen trunk). */
    default void freeze() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
            p.requiresGrad(false);
        }
    }

    /** Makes every parameter trainable again. */
    default void unfreeze() {
        for (Tensor p : parameters()) {
            p.requiresGrad(true);
        }
    }

    /** Forgets every accumulated gradient. */
    default void zeroGrad() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
        }
    }

    /** Frees the parameters' off-heap memory; the module is unusable afterwards. */
    default void release() {
        for (Tensor p : parameters()) {
            p.release();
        }
    }

    /** Copies every parameter value from {@code source}, which must have the same names and shapes. */
    default void copyParametersFrom(Module source) {
        Map<String, Tensor> from = source.namedParameters();
        for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
            Tensor src = from.get(e.getKey());
            if (src == null) {
                throw new IllegalArgumentException("copyParametersFrom: source has no parameter '" + e.getKey() + "'");
            }
            e.getValue().assign(src);
        }
    }
}
