/**
 * Tensors with reverse-mode automatic differentiation over ND4J: the engine a reader learns from.
 *
 * <p>{@link dev.rlhf4j.core.Tensor} wraps an ND4J array, records the operation that made it and pushes
 * gradients back to its parents in {@link dev.rlhf4j.core.Tensor#backward()} ({@link dev.rlhf4j.core.Backprop}
 * orders the graph; {@link dev.rlhf4j.core.GradientBuffer} sums each tensor's gradient). Each operation lives in
 * one file with its formula in the header and its backward beside its forward, written with ND4J ops:
 * {@code Elementwise}, {@code MatMul} (with {@code Gemm}), {@code Reductions}, {@code Softmax}, {@code LayerNorm},
 * {@code CrossEntropy}, {@code Indexing}, {@code ShapeOps}, {@code Dropout}, {@code Attention} and
 * {@link dev.rlhf4j.core.AdamWUpdate}. {@link dev.rlhf4j.core.Arena} frees a step's intermediates,
 * {@link dev.rlhf4j.core.NoGrad} records nothing, {@link dev.rlhf4j.core.GradientCheck} compares with central
 * differences.
 *
 * <p>Where a chain of ND4J ops costs more in dispatch and memory passes than in arithmetic, an op on the CPU
 * backend takes a kernel of {@link dev.rlhf4j.core.cpu} in one line, after asking its one rule; the fast twin
 * sits at the end of the op's file. {@code -Drlhf4j.fastPaths=false} runs every op as ND4J ops only. This is the
 * only module that imports ND4J: every other module sees {@code Tensor} alone, so the backend (CPU or CUDA)
 * changes in one place.
 */
package dev.rlhf4j.core;
