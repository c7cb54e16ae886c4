/**
 * Tensors with reverse-mode automatic differentiation over ND4J.
 *
 * <p>{@link dev.rlhf4j.core.Tensor} wraps an ND4J array, records the operation that made it and pushes
 * gradients back to its parents in {@link dev.rlhf4j.core.Tensor#backward()}. Each operation's backward rule
 * sits beside its forward. This is the only module that imports ND4J: every other module sees {@code Tensor}
 * alone, so the backend (CPU or CUDA) changes in one place.
 */
package dev.rlhf4j.core;
