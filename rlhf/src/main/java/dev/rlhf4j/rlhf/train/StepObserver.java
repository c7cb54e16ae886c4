package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.data.CompletionBatch;

/**
 * Sees the intermediates of a trainer's step as the trainer computes them, stage by stage, by name ({@code "logp"},
 * {@code "advantages"}, ...): the hook behind {@code ./rlhf4j explain}. An observer only reads (it copies what it
 * keeps, since the tensors die with the step's arena), so an observed step is bit-for-bit an unobserved one.
 */
public interface StepObserver {
    /** Observes nothing: the trainers' default. */
    StepObserver NONE = (name, value) -> { };

    /** A tensor of the step under {@code name}; valid only during the call. */
    void tensor(String name, Tensor value);

    /** One stage's tensors: {@code names} space-separated, in the order of {@code values} (a null one is skipped). */
    default void tensors(String names, Tensor... values) {
        String[] n = names.trim().split(" +");
        if (n.length != values.length) {
            throw new IllegalArgumentException("StepObserver: " + n.length + " names (" + names + ") for " + values.length + " tensors");
        }
        for (int i = 0; i < n.length; i++) {
            if (values[i] != null) {
                tensor(n[i], values[i]);
            }
        }
    }

    /** Numbers of the step under {@code name} (per row, or a (B, T-1) row-major array); valid only during the call. */
    default void array(String name, double[] values) {
    }

    /** The padded prompt + completion rows that the step's per-token tensors are laid out on. */
    default void batch(String name, CompletionBatch batch) {
    }
}
