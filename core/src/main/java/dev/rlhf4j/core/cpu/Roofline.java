package dev.rlhf4j.core.cpu;

import java.util.function.LongSupplier;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What this machine's BLAS and ND4J do on their own, for benchmarks to divide by: direct {@code cblas_sgemm} and
 * {@code cblas_sgemv} calls on operands it allocates, with no engine in between. A benchmark times its own work
 * and one of these in the same run, so the ratio holds while the machine's speed drifts.
 */
public final class Roofline {
    private Roofline() {
    }

    /**
     * Best seconds of {@code repeats} runs (after two warm-ups) of {@code C (m, n) = op(A) op(B)} with inner
     * dimension {@code k}, A stored (m, k) or, transposed, (k, m), and B stored (k, n) or (n, k); each run writes a
     * freshly allocated C, as an op's output is.
     */
    public static double sgemmSeconds(int m, int n, int k, boolean transA, boolean transB, int repeats) {
        INDArray a = transA ? Nd4j.rand(DataType.FLOAT, k, m) : Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = transB ? Nd4j.rand(DataType.FLOAT, n, k) : Nd4j.rand(DataType.FLOAT, k, n);
        try {
            return bestSeconds(repeats, () -> {
                try (INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'c')) {
                    sgemm(a, transA, b, transB, c, m, n, k);
                }
            });
        } finally {
            a.close();
            b.close();
        }
    }

    /** GFLOP/s of {@code (m, k) @ (k, n)} by {@link #sgemmSeconds}. */
    public static double sgemmGflops(int m, int k, int n, int repeats) {
        return 2.0 * m * n * k / sgemmSeconds(m, n, k, false, false, repeats) / 1e9;
    }

    /** Microseconds per bare ND4J addition of two 4x4 float32 arrays (best of {@code repeats} runs of 2,000): the dispatch cost an engine op adds to. */
    public static double elementwiseOpMicros(int repeats) {
        int ops = 2000;
        try (INDArray x = Nd4j.rand(DataType.FLOAT, 4, 4); INDArray y = Nd4j.rand(DataType.FLOAT, 4, 4)) {
            return bestSeconds(repeats, () -> {
                for (int i = 0; i < ops; i++) {
                    x.add(y).close();
                }
            }) / ops * 1e6;
        }
    }

    private static void sgemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c, int m, int n, int k) {
        openblas.cblas_sgemm(openblas.CblasRowMajor, ta ? openblas.CblasTrans : openblas.CblasNoTrans,
                tb ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, 1f,
                new FloatPointer(a.data().addressPointer()), ta ? m : k,
                new FloatPointer(b.data().addressPointer()), tb ? k : n, 0f,
                new FloatPointer(c.data().addressPointer()), n);
    }

    /** Fastest of {@code repeats} timed runs after two warm-ups, in seconds. */
    public static double bestSeconds(int repeats, Runnable body) {
        return bestTime(repeats, () -> {
            long t0 = System.nanoTime();
            body.run();
            return System.nanoTime() - t0;
        });
    }

    /** Fastest of {@code repeats} runs after two warm-ups, in seconds; {@code timed} returns the nanoseconds it measured itself. */
    public static double bestTime(int repeats, LongSupplier timed) {
        timed.getAsLong();
        timed.getAsLong();
        long best = Long.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            best = Math.min(best, timed.getAsLong());
        }
        return best / 1e9;
    }

    /**
     * One pass of direct {@code cblas_sgemv} calls over distinct row-major matrices of the given stored (rows,
     * cols) shapes, each multiplied by a vector once per pass, read as stored ({@code y = W x}) or transposed
     * ({@code y = W^T x}, how a GPT-2 Conv1D weight stored (in, out) is applied). With a model's weight shapes
     * this is the time one decoding step must spend streaming its weights from memory: the matrices together
     * exceed the caches, as the model's do. Kept open so that a benchmark can time it between its own runs.
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
            return Roofline.bestSeconds(repeats, () -> {
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
}
