package dev.rlhf4j.rlhf.memory;

/**
 * One model's memory in bytes, a column per kind; a model the algorithm does without is a row with {@code present}
 * false and zeros.
 *
 * @param name the row's name: the model's word (actor, critic, reward, reference), then how it is held
 * @param present whether the algorithm keeps this model
 * @param parameters the model's parameter count (0 when it has no weights of its own)
 * @param trainedParameters how many of them the optimizer updates
 * @param weights resident bytes of its weights (for a precomputed reference: its cached log-probs)
 * @param gradients bytes of the gradients of its trained parameters
 * @param moments bytes of AdamW's first and second moments of its trained parameters
 * @param activations bytes one step's pass keeps ({@link ActivationMemory}, an estimate)
 * @param kvCache bytes of the KV cache when it generates
 */
public record MemoryRow(String name, boolean present, long parameters, long trainedParameters, long weights,
                        long gradients, long moments, long activations, long kvCache) {

    public MemoryRow {
        if (parameters < 0 || weights < 0 || gradients < 0 || moments < 0 || activations < 0 || kvCache < 0) {
            throw new IllegalArgumentException("memory row '" + name + "': negative size");
        }
        if (trainedParameters < 0 || trainedParameters > parameters) {
            throw new IllegalArgumentException("memory row '" + name + "': " + trainedParameters + " trained of "
                    + parameters + " parameters");
        }
    }

    /** The row of a model that the algorithm does without. */
    public static MemoryRow absent(String name) {
        return new MemoryRow(name, false, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Weights, gradients and moments: what training a model costs before any data goes through it. */
    public long modelStates() {
        return weights + gradients + moments;
    }

    /** Every column together. */
    public long total() {
        return modelStates() + activations + kvCache;
    }

    /** The column-wise sum of {@code rows}, named {@code name}. */
    public static MemoryRow sum(String name, Iterable<MemoryRow> rows) {
        long p = 0;
        long t = 0;
        long w = 0;
        long g = 0;
        long m = 0;
        long a = 0;
        long kv = 0;
        for (MemoryRow r : rows) {
            p += r.parameters;
            t += r.trainedParameters;
            w += r.weights;
            g += r.gradients;
            m += r.moments;
            a += r.activations;
            kv += r.kvCache;
        }
        return new MemoryRow(name, true, p, t, w, g, m, a, kv);
    }
}
