package dev.rlhf4j.core;

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
 * Direct access to an array's elements from Java, for the few fused kernels where a chain of ND4J ops would
 * stream a memory-bound tensor many times. Only on the CPU backend, whose arrays live in host memory; every
 * kernel that uses this keeps an ND4J-op path for other backends.
 */
final class HostMemory {
    private HostMemory() {
    }

    private static final boolean AVAILABLE = Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");

    /** True when all arrays are contiguous float32 or float64 of one type in host memory. */
    static boolean usable(INDArray... arrays) {
        if (!AVAILABLE) {
            return false;
        }
        DataType type = arrays[0].dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a.dataType() != type || !ShapeOps.isContiguous(a)) {
                return false;
            }
        }
        return true;
    }

    /** The elements as a buffer over the array's own memory (a view's {@code data()} address is already offset, as in {@link Gemm}). */
    private static ByteBuffer bytes(INDArray a, int elementSize) {
        long start = (a.offset() - a.data().offset()) * elementSize;
        BytePointer memory = new BytePointer(a.data().addressPointer());
        memory.position(start).limit(start + a.length() * elementSize);
        return memory.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    static FloatBuffer floats(INDArray a) {
        return bytes(a, 4).asFloatBuffer();
    }

    static DoubleBuffer doubles(INDArray a) {
        return bytes(a, 8).asDoubleBuffer();
    }

    /** A half-open range of indices. */
    interface Range {
        void run(int from, int to);
    }

    /** Runs {@code body} over [0, n) in blocks of {@code block}, in parallel across cores. */
    static void inParallel(long n, int block, Range body) {
        int length = Math.toIntExact(n);
        int blocks = (length + block - 1) / block;
        IntStream.range(0, blocks).parallel().forEach(c -> body.run(c * block, Math.min(length, (c + 1) * block)));
    }
}
