package dev.rlhf4j.core;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shape arithmetic shared by the operations: broadcasting, reducing gradients back, readable errors. */
final class Shapes {
    private Shapes() {
    }

    static String str(long[] shape) {
        return Arrays.toString(shape).replace(" ", "");
    }

    static ShapeException mismatch(String op, long[] a, long[] b, String why) {
        return new ShapeException(op + ": shapes " + str(a) + " and " + str(b) + " " + why);
    }

    /** NumPy broadcasting of two shapes; the error names the op and both shapes. */
    static long[] broadcast(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw mismatch(op, a, b, "cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Sums {@code grad} (shaped like a broadcast result) over the dimensions that broadcasting expanded,
     * giving a gradient shaped like {@code target}. Returns a new array; the caller owns it.
     */
    static INDArray reduceTo(INDArray grad, long[] target) {
        long[] g = grad.shape();
        if (Arrays.equals(g, target)) {
            return grad.dup();
        }
        int lead = g.length - target.length;
        int[] dims = IntStream.range(0, g.length)
                .filter(i -> i < lead || (target[i - lead] == 1 && g[i] != 1))
                .toArray();
        INDArray summed = dims.length == 0 ? grad.dup() : grad.sum(true, dims);
        if (Arrays.equals(summed.shape(), target)) {
            return summed;
        }
        INDArray shaped = summed.reshape(target).dup();
        summed.close();
        return shaped;
    }

    /** Normalises a possibly negative dimension index; the error names the op and the shape. */
    static int dim(String op, long[] shape, int dim) {
        int d = dim < 0 ? dim + shape.length : dim;
        if (d < 0 || d >= Math.max(shape.length, 1)) {
            throw new ShapeException(op + ": dimension " + dim + " is out of range for shape " + str(shape));
        }
        return d;
    }

    /** A new contiguous array holding {@code a}'s elements in row-major order with shape {@code shape}; {@code a} is left as it is. */
    static INDArray reshapeCopy(INDArray a, long[] shape) {
        INDArray out = org.nd4j.linalg.factory.Nd4j.createUninitialized(a.dataType(), shape, 'c');
        if (ShapeOps.isContiguous(a)) {
            out.assign(a.reshape('c', shape));
        } else {
            try (INDArray dense = a.dup('c')) {
                out.assign(dense.reshape('c', shape));
            }
        }
        return out;
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }
}
