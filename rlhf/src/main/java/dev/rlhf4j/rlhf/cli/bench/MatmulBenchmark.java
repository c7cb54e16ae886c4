package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.core.cpu.Roofline;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * {@code ./rlhf4j bench matmul}: GFLOP/s of {@link Tensor#matmul} forward and backward on GPT-2 small's shapes
 * against direct {@code cblas_sgemm} calls of the same products timed in the same run ({@link Roofline}), and
 * the dispatch overhead of a small element-wise op through {@code Tensor} against a bare ND4J op.
 */
public final class MatmulBenchmark {
    /** (M, K, N): the attention projection, MLP up and down projections and the LM head, at B*T = 256. */
    private static final int[][] SHAPES = {{256, 768, 2304}, {256, 768, 3072}, {256, 3072, 768}, {256, 768, 50304}};

    private MatmulBenchmark() {
    }

    public static void run(PrintStream out, int repeats) {
        for (int[] s : SHAPES) {
            linear(out, s[0], s[1], s[2], repeats);
        }
        tiedHead(out, 256, 768, 50304, repeats);
        opOverhead(out, repeats);
    }

    /** {@code y = x w} with w stored (K, N), as a Conv1D weight is. */
    private static void linear(PrintStream out, int m, int k, int n, int repeats) {
        String tag = m + "x" + k + "x" + n;
        double flops = 2.0 * m * n * k;
        TensorRandom random = new TensorRandom(1);
        Tensor x = random.uniform(DType.FLOAT32, -1, 1, m, k).requiresGrad(true);          // (M, K)
        Tensor w = random.uniform(DType.FLOAT32, -1, 1, k, n).requiresGrad(true);          // (K, N)
        Tensor gy = random.uniform(DType.FLOAT32, -1, 1, m, n);                            // (M, N)

        double forward = Roofline.bestSeconds(repeats, () -> {
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                x.matmul(w);
            }
        });
        BenchLine.against("matmul.forward." + tag, gflops(flops, forward), "GFLOP/s",
                Roofline.sgemmGflops(m, k, n, repeats)).print(out);

        double blas = Roofline.sgemmSeconds(m, k, n, false, true, repeats)      // dX = dY W^T   (M, K), inner N
                + Roofline.sgemmSeconds(k, n, m, true, false, repeats);         // dW = X^T dY   (K, N), inner M
        double backward = backwardSeconds(repeats, () -> x.matmul(w), gy, x, w);
        BenchLine.against("matmul.backward." + tag, gflops(2 * flops, backward), "GFLOP/s",
                gflops(2 * flops, blas)).print(out);
        release(x, w, gy);
    }

    /**
     * GPT-2's tied LM head, {@code logits = h @ wte^T} with wte stored (V, C): the weight gradient is written in
     * wte's own layout ({@code dW = dY^T h}, (V, C)) instead of through the transpose's backward.
     */
    private static void tiedHead(PrintStream out, int m, int k, int n, int repeats) {
        double flops = 4.0 * m * n * k;
        TensorRandom random = new TensorRandom(2);
        Tensor h = random.uniform(DType.FLOAT32, -1, 1, m, k).requiresGrad(true);          // (M, C)
        Tensor wte = random.uniform(DType.FLOAT32, -1, 1, n, k).requiresGrad(true);        // (V, C)
        Tensor gy = random.uniform(DType.FLOAT32, -1, 1, m, n);                            // (M, V)
        double blas = Roofline.sgemmSeconds(m, k, n, false, false, repeats)     // dh = dY W     (M, C), inner V
                + Roofline.sgemmSeconds(n, k, m, true, false, repeats);         // dW = dY^T h   (V, C), inner M
        double backward = backwardSeconds(repeats, () -> h.matmul(wte.transpose(0, 1)), gy, h, wte);
        BenchLine.against("matmul.backward.tied." + m + "x" + k + "x" + n, gflops(flops, backward), "GFLOP/s",
                gflops(flops, blas)).print(out);
        release(h, wte, gy);
    }

    /** Best seconds of {@code y.backward(gy)} alone, the forward {@code y = product} run untimed before each. */
    private static double backwardSeconds(int repeats, Supplier<Tensor> product, Tensor gy, Tensor... params) {
        return Roofline.bestTime(repeats, () -> {
            try (Arena a = Arena.open()) {
                Tensor y = product.get();
                long t0 = System.nanoTime();
                y.backward(gy);
                long dt = System.nanoTime() - t0;
                for (Tensor p : params) {
                    p.zeroGrad();
                }
                return dt;
            }
        });
    }

    /**
     * Microseconds per 4x4 addition through {@code Tensor} (graph recorded, arena released) against a bare ND4J
     * addition; the ratio is baseline / value, so that 1 means no overhead here too.
     */
    private static void opOverhead(PrintStream out, int repeats) {
        int ops = 2000;
        Tensor a = Tensor.of(new float[16], 4, 4).requiresGrad(true);
        Tensor b = Tensor.of(new float[16], 4, 4);
        double micros = Roofline.bestSeconds(repeats, () -> {
            try (Arena arena = Arena.open()) {
                for (int i = 0; i < ops; i++) {
                    a.add(b);
                }
            }
        }) / ops * 1e6;
        double bare = Roofline.elementwiseOpMicros(repeats);
        new BenchLine("tensor.op_overhead", micros, "us/op", bare, bare / micros).print(out);
        release(a, b);
    }

    private static double gflops(double flops, double seconds) {
        return flops / seconds / 1e9;
    }

    private static void release(Tensor... tensors) {
        for (Tensor t : tensors) {
            t.release();
        }
    }
}
