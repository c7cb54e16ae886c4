package dev.rlhf4j.nn;

import dev.rlhf4j.core.Tensor;

/**
 * Guards the model against a core limitation: {@code Tensor.matmul} reads a view that starts at a nonzero
 * offset (a {@code narrow} with start > 0, or a reshape of one) from the wrong address. Slices that feed a
 * matrix product are therefore materialised first. Measured: a (2, 3, 16) slice at offset 16 gave a different
 * product than its copy; GPT-2 at B*T = 1 (one-token decoding) produced garbage before this guard.
 */
public final class Views {
    private Views() {
    }

    /** A fresh contiguous tensor equal to {@code x}, with gradients flowing back to it. */
    public static Tensor materialize(Tensor x) {
        return x.add(0.0);
    }
}
