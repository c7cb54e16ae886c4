package dev.rlhf4j.core;

import java.io.PrintStream;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code ./rlhf4j bench matmul}: GFLOP/s of {@link Tensor#matmul} forward and backward on GPT-2 small's
 * shapes against a direct {@code cblas_sgemm} baseline measured in the same run, and the per-op dispatch
 * overhead of a small element-wise op through {@code Tensor}. One JSON object per line.
 */
public final class MatmulBenchmark {
    private MatmulBenchmark() {
    }

    /** (M, K, N): the attention projection, MLP up and down projections and the LM head, at B*T = 256. */
    private static final int[][] SHAPES = {{256, 768, 2304}, {256, 768, 3072}, {256, 3072, 768}, {256, 768, 50304}};

    public static void run(PrintStream out, int repeats) {
        for (int[] s : SHAPES) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            String tag = m + "x" + k + "x" + n;
            double fwdFlops = 2.0 * m * n * k;
            TensorRandom random = new TensorRandom(1);
            Tensor x = random.uniform(DType.FLOAT32, -1, 1, m, k).requiresGrad(true);
            Tensor w = random.uniform(DType.FLOAT32, -1, 1, k, n).requiresGrad(true);
            Tensor gy = random.uniform(DType.FLOAT32, -1, 1, m, n);

            double cblasFwd = fwdFlops / bestSeconds(repeats, () -> cblas(x.value(), false, w.value(), false, m, n, k));
            double tensorFwd = fwdFlops / bestSeconds(repeats, () -> {
                try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                    x.matmul(w);
                }
            });
            line(out, "matmul.forward." + tag, tensorFwd / 1e9, "GFLOP/s", cblasFwd / 1e9);

            // backward: dX = dY W^T (M x K, inner N) and dW = X^T dY (K x N, inner M)
            double bwdFlops = 2 * fwdFlops;
            double cblasBwd = bwdFlops / bestSeconds(repeats, () -> {
                cblas(gy.value(), false, w.value(), true, m, k, n);
                cblas(x.value(), true, gy.value(), false, k, n, m);
            });
            double tensorBwd = bwdFlops / bestTime(repeats, () -> {
                try (Arena a = Arena.open()) {
                    Tensor y = x.matmul(w);
                    long t0 = System.nanoTime();
                    y.backward(gy);
                    long dt = System.nanoTime() - t0;
                    x.zeroGrad();
                    w.zeroGrad();
                    return dt;
                }
            });
            line(out, "matmul.backward." + tag, tensorBwd / 1e9, "GFLOP/s", cblasBwd / 1e9);
            x.release();
            w.release();
            gy.release();
        }
        tiedHead(out, repeats);
        opOverhead(out, repeats);
    }

    /**
     * GPT-2's tied LM head, {@code logits = h @ wte^T} with wte stored (V, C): the weight gradient is written in
     * wte's own layout ({@code dW = dC^T h}, (V, C)) instead of through the transpose's backward.
     */
    private static void tiedHead(PrintStream out, int repeats) {
        int m = 256;
        int k = 768;
        int n = 50304;
        TensorRandom random = new TensorRandom(2);
        Tensor h = random.uniform(DType.FLOAT32, -1, 1, m, k).requiresGrad(true);
        Tensor wte = random.uniform(DType.FLOAT32, -1, 1, n, k).requiresGrad(true);
        Tensor gy = random.uniform(DType.FLOAT32, -1, 1, m, n);
        double bwdFlops = 4.0 * m * n * k;
        double cblasBwd = bwdFlops / bestSeconds(repeats, () -> {
            cblas(gy.value(), false, wte.value(), false, m, k, n);    // dh = dC wte      (M, K)
            cblas(gy.value(), true, h.value(), false, n, k, m);      // dW = dC^T h      (V, K)
        });
        double tensorBwd = bwdFlops / bestTime(repeats, () -> {
            try (Arena a = Arena.open()) {
                Tensor y = h.matmul(wte.transpose(0, 1));
                long t0 = System.nanoTime();
                y.backward(gy);
                long dt = System.nanoTime() - t0;
                h.zeroGrad();
                wte.zeroGrad();
                return dt;
            }
        });
        line(out, "matmul.backward.tied." + m + "x" + k + "x" + n, tensorBwd / 1e9, "GFLOP/s", cblasBwd / 1e9);
        h.release();
        wte.release();
        gy.release();
    }

    /** Microseconds per small element-wise op through Tensor (graph recorded, arena released) vs a bare ND4J op. */
    private static void opOverhead(PrintStream out, int repeats) {
        int ops = 2000;
        Tensor a = Tensor.of(new float[16], 4, 4).requiresGrad(true);
        Tensor b = Tensor.of(new float[16], 4, 4);
        double tensor = bestSeconds(repeats, () -> {
            try (Arena arena = Arena.open()) {
                for (int i = 0; i < ops; i++) {
                    a.add(b);
                }
            }
        }) / ops * 1e6;
        INDArray x = a.value();
        INDArray y = b.value();
        double raw = bestSeconds(repeats, () -> {
            for (int i = 0; i < ops; i++) {
                x.add(y).close();
            }
        }) / ops * 1e6;
        out.printf(Locale.ROOT, "{\"bench\": \"tensor.op_overhead\", \"value\": %.2f, \"unit\": \"us/op\", \"baseline\": %.2f, \"ratio\": %.3f}%n",
                tensor, raw, raw / tensor);
    }

    private static void line(PrintStream out, String name, double value, String unit, double baseline) {
        out.printf(Locale.ROOT, "{\"bench\": \"%s\", \"value\": %.1f, \"unit\": \"%s\", \"baseline\": %.1f, \"ratio\": %.3f}%n",
                name, value, unit, baseline, value / baseline);
    }

    /** GFLOP/s of a direct {@code cblas_sgemm} of an (m, k) by (k, n) product; the baseline other benchmarks divide by. */
    public static double cblasGflops(int m, int k, int n, int repeats) {
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        double s = bestSeconds(repeats, () -> cblas(a, false, b, false, m, n, k));
        a.close();
        b.close();
        return 2.0 * m * n * k / s / 1e9;
    }

    /**
     * One pass of direct {@code cblas_sgemv} calls over distinct row-major matrices of the given stored (rows,
     * cols) shapes, each multiplied by a vector once per pass, read as stored ({@code y = W x}) or transposed
     * ({@code y = W^T x}, how a GPT-2 Conv1D weight stored (in, out) is applied). With a model's weight shapes
     * this is the time one decoding step must spend streaming its weights from memory: the matrices together
     * exceed the caches, as the model's do. Kept open so that a benchmark can time it between its own runs, on
     * the same machine state.
     */
    public static final class GemvPass implements AutoCloseable {
        private final int[][] shapes;
        private final boolean[] transposed;
        private final INDArray[] weights;
        private final INDArray x;
        private final INDArray y;

        public GemvPass(int[][] shapes, boolean[] transposed) {
            this.shapes = shapes;
            this.transposed = transposed;
            this.weights = new INDArray[shapes.length];
            int longest = 1;
            for (int i = 0; i < shapes.length; i++) {
                weights[i] = Nd4j.rand(DataType.FLOAT, shapes[i][0], shapes[i][1]);
                longest = Math.max(longest, Math.max(shapes[i][0], shapes[i][1]));
            }
            this.x = Nd4j.rand(DataType.FLOAT, 1, longest);
            this.y = Nd4j.createUninitialized(DataType.FLOAT, new long[] {1, longest}, 'c');
        }

        /** Best seconds of {@code repeats} passes. */
        public double bestSeconds(int repeats) {
            FloatPointer px = new FloatPointer(x.data().addressPointer());
            FloatPointer py = new FloatPointer(y.data().addressPointer());
            return MatmulBenchmark.bestSeconds(repeats, () -> {
                for (int i = 0; i < weights.length; i++) {
                    openblas.cblas_sgemv(openblas.CblasRowMajor, transposed[i] ? openblas.CblasTrans : openblas.CblasNoTrans,
                            shapes[i][0], shapes[i][1], 1f, new FloatPointer(weights[i].data().addressPointer()), shapes[i][1],
                            px, 1, 0f, py, 1);
                }
            });
        }

        @Override
        public void close() {
            for (INDArray a : weights) {
                a.close();
            }
            x.close();
            y.close();
        }
    }

    /** C (m x n) = op(A) op(B) with OpenBLAS directly; A, B contiguous row-major. */
    private static void cblas(INDArray a, boolean ta, INDArray b, boolean tb, int m, int n, int k) {
        try (INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'c')) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, ta ? openblas.CblasTrans : openblas.CblasNoTrans,
                    tb ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, 1f,
                    new FloatPointer(a.data().addressPointer()), ta ? m : k,
                    new FloatPointer(b.data().addressPointer()), tb ? k : n, 0f,
                    new FloatPointer(c.data().addressPointer()), n);
        }
    }

    private static double bestSeconds(int repeats, Runnable body) {
        return bestTime(repeats, () -> {
            long t0 = System.nanoTime();
            body.run();
            return System.nanoTime() - t0;
        });
    }

    /** Fastest of {@code repeats} timed runs after two warm-ups, in seconds; {@code timed} returns nanoseconds. */
    private static double bestTime(int repeats, java.util.function.LongSupplier timed) {
        timed.getAsLong();
        timed.getAsLong();
        long best = Long.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            best = Math.min(best, timed.getAsLong());
        }
        return best / 1e9;
    }
}
