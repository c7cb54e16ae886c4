package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Tensors made from Java values and bytes, and their elements read back: the bodies behind {@link Tensor}'s factories. */
final class Conversions {
    private Conversions() {
    }

    static Tensor zeros(DType type, long... shape) {
        return Tensor.wrap(Nd4j.zeros(type.nd4j(), shape));
    }

    static Tensor ones(DType type, long... shape) {
        return Tensor.wrap(Nd4j.ones(type.nd4j(), shape));
    }

    static Tensor full(double fill, DType type, long... shape) {
        return Tensor.wrap(Nd4j.valueArrayOf(shape, fill, type.nd4j()));
    }

    static Tensor scalar(double v, DType type) {
        return Tensor.wrap(Nd4j.scalar(v).castTo(type.nd4j()));
    }

    /** A float32 tensor of the given values in row-major order. */
    static Tensor of(float[] data, long... shape) {
        checkLength(data.length, shape);
        return Tensor.wrap(Nd4j.create(data, shape, 'c'));
    }

    /** A float64 tensor of the given values in row-major order. */
    static Tensor of(double[] data, long... shape) {
        checkLength(data.length, shape);
        return Tensor.wrap(Nd4j.create(data, shape, 'c'));
    }

    /** The given values converted to {@code type}. */
    static Tensor of(double[] data, DType type, long... shape) {
        checkLength(data.length, shape);
        INDArray d = Nd4j.create(data, shape, 'c');
        if (type == DType.FLOAT64) {
            return Tensor.wrap(d);
        }
        INDArray cast = d.castTo(type.nd4j());
        d.close();
        return Tensor.wrap(cast);
    }

    /** An int64 tensor, the type of token ids and indices. */
    static Tensor ofLongs(long[] data, long... shape) {
        checkLength(data.length, shape);
        return Tensor.wrap(Nd4j.createFromArray(data).reshape(shape).dup('c'));
    }

    /** An int64 tensor of the given ints, the type of token ids and indices. */
    static Tensor ofInts(int[] data, long... shape) {
        return ofLongs(Arrays.stream(data).asLongStream().toArray(), shape);
    }

    /**
     * A tensor of {@code type} read from little-endian bytes (the safetensors layout). The bytes are copied
     * once, buffer to buffer: a memory-mapped file never passes through the Java heap.
     */
    static Tensor fromBytes(ByteBuffer bytes, DType type, long... shape) {
        long n = Shapes.numel(shape);
        if (bytes.remaining() != n * type.bytes()) {
            throw new ShapeException("fromBytes: " + bytes.remaining() + " bytes cannot hold " + type + Shapes.str(shape)
                    + " (" + n * type.bytes() + " bytes)");
        }
        if (n == 0) {
            return Tensor.wrap(Nd4j.create(type.nd4j(), shape));                  // an empty array has no buffer to fill
        }
        INDArray a = Nd4j.createUninitialized(type.nd4j(), shape, 'c');
        ByteBuffer target = a.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
        target.put(bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        return Tensor.wrap(a);
    }

    /** The elements as little-endian bytes in row-major order (the safetensors layout). */
    static ByteBuffer toBytes(Tensor t) {
        if (t.numel() == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        INDArray dense = t.value().dup('c');
        ByteBuffer src = dense.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(dense.length() * t.dtype().bytes())).order(ByteOrder.LITTLE_ENDIAN);
        src.limit(out.capacity());
        out.put(src);
        dense.close();
        return out.flip();
    }

    /** {@code 0, 1, ..., n-1} as int64. */
    static Tensor arange(long n) {
        return Tensor.wrap(Nd4j.arange(0, n).castTo(DType.INT64.nd4j()));
    }

    private static void checkLength(int length, long[] shape) {
        if (length != Shapes.numel(shape)) {
            throw new ShapeException("tensor: " + length + " values cannot fill shape " + Shapes.str(shape));
        }
    }

    /** The elements in row-major order, widened to double. */
    static double[] toDoubleArray(INDArray v) {
        if (CpuKernels.applies(Path.HOST, v)) {
            return CpuKernels.read(v);                   // one bulk copy, no intermediate array
        }
        try (INDArray c = v.dup('c')) {
            return c.data().asDouble();
        }
    }

    static float[] toFloatArray(INDArray v) {
        try (INDArray c = v.dup('c')) {
            return c.data().asFloat();
        }
    }

    static long[] toLongArray(INDArray v) {
        try (INDArray c = v.dup('c')) {
            return c.data().asLong();
        }
    }

    static int[] toIntArray(INDArray v) {
        try (INDArray c = v.dup('c')) {
            return c.data().asInt();
        }
    }
}
