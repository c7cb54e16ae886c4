package dev.rlhf4j.core.cpu;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Direct access to an array's elements from Java, for the kernels of this package. Only meaningful on the CPU
 * backend, whose arrays live in host memory: {@link CpuKernels#applies} checks that before any of it runs.
 */
final class HostMemory {
    private HostMemory() {
    }

    /** The elements as a buffer over the array's own memory (a view's {@code data()} address is already offset, as in {@link Gemm}). */
    private static ByteBuffer bytes(INDArray a, int elementSize) {
        long start = (a.offset() - a.data().offset()) * elementSize;
        BytePointer memory = new BytePointer(a.data().addressPointer());
        memory.position(start).limit(start + a.length() * elementSize);
        return memory.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /**
     * The elements of a float32 or float64 array, views included, as a buffer that starts at the array's first
     * element and spans every element its strides reach: index {@code sum(i_d * stride_d)}.
     */
    static Buffer whole(INDArray a) {
        int size = a.dataType() == DataType.DOUBLE ? 8 : 4;
        long extent = 1;
        for (int d = 0; d < a.rank(); d++) {
            extent += (a.size(d) - 1) * a.stride(d);
        }
        long start = (a.offset() - a.data().offset()) * size;
        BytePointer memory = new BytePointer(a.data().addressPointer());
        memory.position(start).limit(start + extent * size);
        ByteBuffer bytes = memory.asByteBuffer().order(ByteOrder.nativeOrder());
        return size == 8 ? bytes.asDoubleBuffer() : bytes.asFloatBuffer();
    }

    static FloatBuffer floats(INDArray a) {
        return bytes(a, 4).asFloatBuffer();
    }

    static DoubleBuffer doubles(INDArray a) {
        return bytes(a, 8).asDoubleBuffer();
    }

    /**
     * Copies {@code row} (N) into every row of {@code out} (..., N), contiguous and of the same type: a bias laid
     * down for GEMM to add its product onto. On the CPU backend it is a memory copy per row, with no op dispatch.
     */
    static void fillRows(INDArray out, INDArray row) {
        long n = row.length();
        long rows = out.length() / Math.max(n, 1);
        if (out.dataType() == DataType.FLOAT) {
            FloatBuffer src = floats(row);
            FloatBuffer dst = floats(out);
            for (long r = 0; r < rows; r++) {
                dst.put(src.duplicate());
            }
        } else {
            DoubleBuffer src = doubles(row);
            DoubleBuffer dst = doubles(out);
            for (long r = 0; r < rows; r++) {
                dst.put(src.duplicate());
            }
        }
    }

    /** A copy of a contiguous float32 or float64 array's elements, widened to double. */
    static double[] read(INDArray a) {
        double[] out = new double[Math.toIntExact(a.length())];
        if (a.dataType() == DataType.DOUBLE) {
            doubles(a).get(out);
        } else {
            float[] f = new float[out.length];
            floats(a).get(f);
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    /** A new c-order array of {@code type} (float32 or float64) and {@code shape} holding {@code values}. */
    static INDArray create(double[] values, DataType type, long[] shape) {
        INDArray out = Nd4j.createUninitialized(type, shape, 'c');
        if (type == DataType.DOUBLE) {
            doubles(out).put(values);
        } else {
            FloatBuffer dst = floats(out);
            for (double v : values) {
                dst.put((float) v);
            }
        }
        return out;
    }

    /**
     * {@code dst += src}: same shape and type (float32 or float64), any strides (a slice of a larger gradient),
     * element by element with the last dimension innermost.
     */
    static void addInto(INDArray src, INDArray dst) {
        int rank = src.rank();
        long[] shape = src.shape();
        long n = src.length();
        if (n == 0) {
            return;
        }
        Buffer from = whole(src);
        Buffer to = whole(dst);
        long inner = rank == 0 ? 1 : shape[rank - 1];
        long sIn = rank == 0 ? 0 : src.stride(rank - 1);
        long dIn = rank == 0 ? 0 : dst.stride(rank - 1);
        long[] index = new long[Math.max(rank - 1, 0)];
        for (long done = 0; done < n; done += inner) {
            long s = 0;
            long d = 0;
            for (int k = 0; k < index.length; k++) {
                s += index[k] * src.stride(k);
                d += index[k] * dst.stride(k);
            }
            if (from instanceof FloatBuffer f) {
                FloatBuffer t = (FloatBuffer) to;
                for (long i = 0; i < inner; i++) {
                    int at = (int) (d + i * dIn);
                    float v = f.get((int) (s + i * sIn));
                    t.put(at, t.get(at) + v);
                }
            } else {
                DoubleBuffer f = (DoubleBuffer) from;
                DoubleBuffer t = (DoubleBuffer) to;
                for (long i = 0; i < inner; i++) {
                    int at = (int) (d + i * dIn);
                    double v = f.get((int) (s + i * sIn));
                    t.put(at, t.get(at) + v);
                }
            }
            for (int k = index.length - 1; k >= 0; k--) {
                if (++index[k] < shape[k]) {
                    break;
                }
                index[k] = 0;
            }
        }
    }

    /** Rows of a contiguous float32 or float64 (rows, width) array, read and written as doubles; one per thread. */
    static final class Rows {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final float[] scratch;
        private final int width;

        Rows(INDArray a, int width) {
            this.width = width;
            this.floats = a.dataType() == DataType.FLOAT ? HostMemory.floats(a) : null;
            this.doubles = floats == null ? HostMemory.doubles(a) : null;
            this.scratch = floats == null ? null : new float[width];
        }

        void read(int row, double[] dst) {
            if (floats != null) {
                floats.get(row * width, scratch, 0, width);
                for (int i = 0; i < width; i++) {
                    dst[i] = scratch[i];
                }
            } else {
                doubles.get(row * width, dst, 0, width);
            }
        }

        void write(int row, double[] src) {
            if (floats != null) {
                for (int i = 0; i < width; i++) {
                    scratch[i] = (float) src[i];
                }
                floats.put(row * width, scratch, 0, width);
            } else {
                doubles.put(row * width, src, 0, width);
            }
        }
    }

    /** True when {@code a} is laid out in row-major order without gaps (a view may be). */
    static boolean isContiguous(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    /** A half-open range of indices. */
    interface Range {
        void run(int from, int to);
    }

    /** Runs {@code body} over [0, n) in blocks of {@code block}, in parallel across cores (inline when one block). */
    static void inParallel(long n, int block, Range body) {
        int length = Math.toIntExact(n);
        int blocks = (length + block - 1) / block;
        if (blocks <= 1) {
            body.run(0, length);
            return;
        }
        IntStream.range(0, blocks).parallel().forEach(c -> body.run(c * block, Math.min(length, (c + 1) * block)));
    }
}
