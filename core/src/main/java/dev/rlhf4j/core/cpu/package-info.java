/**
 * The CPU backend's fast paths, apart from the engine they speed up: direct BLAS on strided operands, Java and
 * SIMD passes over host memory (GELU, cross-entropy, layer norm, AdamW, slice gradients), single-pass kernels for
 * one-token decoding (softmax, addition, attention over a KV cache) and recycled large buffers.
 *
 * <p>{@link dev.rlhf4j.core.cpu.CpuKernels} is the one entry the ops call, with the one rule that says when a
 * kernel applies; every kernel computes what its op's ND4J code computes and is tested against it.
 * {@code -Drlhf4j.fastPaths=false} (or {@code RLHF4J_FAST_PATHS=off}) turns them all off.
 * {@link dev.rlhf4j.core.cpu.Roofline} times this machine's own BLAS for benchmarks to divide by.
 */
package dev.rlhf4j.core.cpu;
