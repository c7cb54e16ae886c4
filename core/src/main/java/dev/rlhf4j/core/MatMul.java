package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix product with {@code torch.matmul} semantics: 2-D @ 2-D, and batched products whose leading (batch)
 * dimensions broadcast, e.g. {@code (B, T, C) @ (C, N)} for a linear layer or {@code (B, nh, T, hs) @ (B, nh,
 * hs, T)} for attention scores. A 1-D operand is treated as a row (left) or column (right) vector.
 *
 * <p>Forward: {@code C = A B}. Backward: {@code dA = dC B^T}, {@code dB = A^T dC}, each summed over the batch
 * dimensions its operand was broadcast along. Transposes are stride swaps, never copies ({@link Gemm}).
 *
 * <p>{@link #linear} is {@code x @ W + b} with the bias added by GEMM itself: the output's rows start as copies
 * of {@code b} and the product lands on top (beta 1), so a layer's bias costs no extra pass over its output
 * and no extra array. Backward adds {@code db = sum of dC over every row}.
 */
final class MatMul {
    private MatMul() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        return product("matmul", a, b, null);
    }

    /** {@code x (..., K) @ w (K, N) + bias (N)}. */
    static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        if (x.rank() < 2 || w.rank() != 2 || bias.rank() != 1 || bias.size(0) != w.size(1)) {
            throw new ShapeException("linear: needs x (..., K), weight (K, N) and bias (N), got x " + Shapes.str(x.shape())
                    + ", weight " + Shapes.str(w.shape()) + ", bias " + Shapes.str(bias.shape()));
        }
        return product("linear", x, w, bias);
    }

    private static Tensor product(String op, Tensor a, Tensor b, Tensor bias) {
        if (a.rank() == 0 || b.rank() == 0) {
            throw Shapes.mismatch("matmul", a.shape(), b.shape(), "cannot be multiplied: both operands need at least one dimension");
        }
        if (a.rank() == 1) {
            Tensor row = a.reshape(1, a.size(0));
            Tensor out = matmul(row, b);
            long[] s = out.shape();
            return out.reshape(dropDim(s, s.length - 2));
        }
        if (b.rank() == 1) {
            Tensor col = b.reshape(b.size(0), 1);
            Tensor out = matmul(a, col);
            long[] s = out.shape();
            return out.reshape(dropDim(s, s.length - 1));
        }
        INDArray[] in = Elementwise.promote(a, b);
        INDArray x = in[0];
        INDArray y = in[1];
        long[] xs = x.shape();
        long[] ys = y.shape();
        long m = xs[xs.length - 2];
        long k = xs[xs.length - 1];
        long n = ys[ys.length - 1];
        if (ys[ys.length - 2] != k) {
            throw Shapes.mismatch("matmul", xs, ys, "cannot be multiplied (inner dimensions " + k + " and " + ys[ys.length - 2] + ")");
        }
        long[] batch = Shapes.broadcast("matmul (batch dimensions)",
                Arrays.copyOf(xs, xs.length - 2), Arrays.copyOf(ys, ys.length - 2));
        long[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        INDArray out = CpuKernels.uninitialized(x.dataType(), outShape);
        INDArray biasValue = bias == null ? null : Elementwise.castOwned(bias.computeValue(), x.dataType());
        if (biasValue != null) {
            layBias(out, biasValue, n);
        }
        int br = batch.length;
        Gemm.batched(Gemm.Strided.of(x, br), Gemm.Strided.of(y, br), Gemm.Strided.of(out, br), batch, bias != null);
        return Tensor.result(op, out, g -> {
            Gemm.Strided dC = Gemm.Strided.of(g, br);
            if (a.needsGrad()) {                                       // dA = dC B^T
                gradient(a, dC, Gemm.Strided.of(y, br).transposed(), xs, batch);
            }
            if (b.needsGrad() && !transposedLeafGradient(b, Gemm.Strided.of(x, br), dC, batch)) {
                gradient(b, Gemm.Strided.of(x, br).transposed(), dC, ys, batch);   // dB = A^T dC
            }
            if (bias != null && bias.needsGrad()) {                    // db = sum of dC's rows
                biasGradient(bias, g, n);
            }
        }, a, b, bias);
    }

    /**
     * {@code db (+)= 1^T dC} over all of dC's rows: for a parameter, one GEMV straight into its gradient buffer
     * (it reads dC once, on every core) instead of a reduction into a new array and an addition.
     */
    private static void biasGradient(Tensor bias, INDArray g, long n) {
        GradientBuffer.Target sink = bias.gradientTarget(g.dataType());
        if (sink == null || !ShapeOps.isContiguous(g)) {
            bias.accumulate(Shapes.reduceTo(g, bias.shape()));
            return;
        }
        long rows = g.length() / n;
        try (INDArray ones = Nd4j.ones(g.dataType(), 1, rows)) {
            Gemm.batched(Gemm.Strided.of(ones, 0), Gemm.Strided.of(g.reshape('c', rows, n), 0),
                    Gemm.Strided.of(sink.array().reshape('c', 1, n), 0), new long[0], !sink.overwrite());
        }
    }

    /**
     * Adds {@code left @ right}, summed over the batch dimensions the operand was broadcast along, to the
     * operand's gradient. A leaf's gradient buffer receives the product straight from GEMM (beta 0 or 1), so
     * a weight gradient costs no allocation and no extra addition.
     */
    private static void gradient(Tensor operand, Gemm.Strided left, Gemm.Strided right, long[] target, long[] batch) {
        GradientBuffer.Target sink = operand.gradientTarget(left.array().dataType());
        if (sink != null) {
            Gemm.batched(left, right, Gemm.Strided.of(sink.array(), batch.length), batch, !sink.overwrite());
            return;
        }
        INDArray result = Nd4j.createUninitialized(left.array().dataType(), target, 'c');
        Gemm.batched(left, right, Gemm.Strided.of(result, batch.length), batch, false);
        operand.accumulate(result);
    }

    /**
     * When B is the transpose of a weight W (a tied LM head: {@code logits = h @ wte^T}), writes
     * {@code dW = (A^T dC)^T = dC^T A} straight into W's gradient in W's own layout, instead of building dB and
     * copying it through the transpose's backward. Returns false when that does not apply.
     */
    private static boolean transposedLeafGradient(Tensor b, Gemm.Strided a, Gemm.Strided dC, long[] batch) {
        Tensor w = b.transposeOf();
        if (w == null || !w.isLeaf()) {
            return false;
        }
        GradientBuffer.Target sink = w.gradientTarget(dC.array().dataType());
        if (sink == null) {
            return false;
        }
        Gemm.batched(dC.transposed(), a, Gemm.Strided.of(sink.array(), batch.length), batch, !sink.overwrite());
        return true;
    }

    /** Copies {@code bias} (N) into every row of {@code out} (..., N), for GEMM to add the product onto. */
    private static void layBias(INDArray out, INDArray bias, long n) {
        if (CpuKernels.applies(Path.HOST, out, bias)) {
            CpuKernels.fillRows(out, bias);                              // the same rows: a memory copy each, no op dispatch
            return;
        }
        out.reshape('c', out.length() / n, n).putiRowVector(bias.reshape('c', 1, n));
    }

    private static long[] dropDim(long[] shape, int dim) {
        long[] r = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != dim) {
                r[j++] = shape[i];
            }
        }
        return r;
    }
}
