package dev.rlhf4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sum, mean and max over dimensions, with or without keeping the reduced dimensions. Backward broadcasts the
 * gradient back over the reduced dimensions (divided by the count for mean; to the maxima for max).
 */
final class Reductions {
    private Reductions() {
    }

    static Tensor sumAll(Tensor a) {
        return sum(a, false, allDims(a.rank()));
    }

    static Tensor meanAll(Tensor a) {
        return mean(a, false, allDims(a.rank()));
    }

    static Tensor sum(Tensor a, boolean keepDim, int... dims) {
        long[] shape = a.shape();
        int[] d = normalize("sum", shape, dims);
        INDArray x = a.computeValue();
        INDArray out = d.length == 0 ? x.dup() : x.sum(keepDim, d);
        return Tensor.result("sum", shaped(out, shape, d, keepDim), g -> a.accumulate(expand(g, shape, d)), a);
    }

    static Tensor mean(Tensor a, boolean keepDim, int... dims) {
        long[] shape = a.shape();
        int[] d = normalize("mean", shape, dims);
        long count = 1;
        for (int i : d) {
            count *= shape[i];
        }
        double scale = 1.0 / count;
        INDArray x = a.computeValue();
        INDArray out = d.length == 0 ? x.dup() : x.mean(keepDim, d);
        return Tensor.result("mean", shaped(out, shape, d, keepDim), g -> a.accumulate(expand(g, shape, d).muli(scale)), a);
    }

    /** Maximum over {@code dims}; the gradient is shared equally among tied maxima. */
    static Tensor max(Tensor a, boolean keepDim, int... dims) {
        long[] shape = a.shape();
        int[] d = normalize("max", shape, dims);
        INDArray x = a.computeValue();
        INDArray kept = x.max(true, d);                                 // reduced dims kept as size 1
        INDArray out = keepDim ? kept.dup() : kept.reshape('c', reducedShape(shape, d, false)).dup();
        return Tensor.result("max", out, g -> {
            try (INDArray isMax = x.eq(kept); INDArray hits = isMax.castTo(g.dataType());
                 INDArray count = hits.sum(true, d); INDArray spread = expand(g, shape, d)) {
                a.accumulate(hits.divi(count).muli(spread).dup());
            }
        }, a).save(kept);
    }

    /** The gradient of a reduced tensor broadcast back to {@code shape}: a new array. */
    static INDArray expand(INDArray g, long[] shape, int[] dims) {
        try (INDArray kept = Shapes.reshapeCopy(g, reducedShape(shape, dims, true))) {
            return Elementwise.expand(kept, shape);
        }
    }

    static long[] reducedShape(long[] shape, int[] dims, boolean keepDim) {
        boolean[] reduced = new boolean[shape.length];
        for (int d : dims) {
            reduced[d] = true;
        }
        return java.util.stream.IntStream.range(0, shape.length)
                .filter(i -> keepDim || !reduced[i])
                .mapToLong(i -> reduced[i] ? 1 : shape[i])
                .toArray();
    }

    /** ND4J drops reduced dimensions inconsistently for rank-1 results; pin the shape down. */
    private static INDArray shaped(INDArray out, long[] shape, int[] dims, boolean keepDim) {
        long[] want = reducedShape(shape, dims, keepDim);
        if (Arrays.equals(out.shape(), want)) {
            return out;
        }
        INDArray fixed = Shapes.reshapeCopy(out, want);
        out.close();
        return fixed;
    }

    static int[] normalize(String op, long[] shape, int[] dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = Shapes.dim(op, shape, dims[i]);
        }
        int[] sorted = Arrays.stream(d).sorted().distinct().toArray();
        if (sorted.length != d.length) {
            throw new ShapeException(op + ": repeated dimension in " + Arrays.toString(dims));
        }
        return sorted;
    }

    static int[] allDims(int rank) {
        int[] d = new int[rank];
        for (int i = 0; i < rank; i++) {
            d[i] = i;
        }
        return d;
    }
}
