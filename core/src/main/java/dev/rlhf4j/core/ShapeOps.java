package dev.rlhf4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Operations that rearrange elements without arithmetic: reshape, permute/transpose, narrow (slice) and
 * concat. Reshape of a contiguous tensor, permute and narrow return views that share memory with their
 * input; backward puts each gradient element back where it came from.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    /** Reshapes; one dimension may be -1 (inferred). A view when the input is contiguous, a copy otherwise. */
    static Tensor reshape(Tensor a, long... shape) {
        long[] from = a.shape();
        long[] to = inferShape(from, shape);
        INDArray x = a.value();
        Tensor.Backward back = g -> a.accumulate(Shapes.reshapeCopy(g, from));
        if (isContiguous(x)) {
            return Tensor.viewResult("reshape", x.reshape('c', to), back, a);
        }
        INDArray copy = x.dup('c');
        return Tensor.viewResult("reshape", copy.reshape('c', to), back, a).save(copy);
    }

    static Tensor transpose(Tensor a, int dim0, int dim1) {
        int r = a.rank();
        int d0 = Shapes.dim("transpose", a.shape(), dim0);
        int d1 = Shapes.dim("transpose", a.shape(), dim1);
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[d0] = d1;
        perm[d1] = d0;
        return permute(a, perm);
    }

    /** Reorders dimensions: output dimension i is input dimension {@code dims[i]}. A view. */
    static Tensor permute(Tensor a, int... dims) {
        long[] shape = a.shape();
        if (dims.length != shape.length) {
            throw new ShapeException("permute: " + Arrays.toString(dims) + " does not list every dimension of shape " + Shapes.str(shape));
        }
        int[] inverse = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int d = Shapes.dim("permute", shape, dims[i]);
            if (seen[d]) {
                throw new ShapeException("permute: dimension " + d + " repeats in " + Arrays.toString(dims) + " for shape " + Shapes.str(shape));
            }
            seen[d] = true;
            inverse[d] = i;
        }
        int[] normalized = Arrays.stream(dims).map(d -> d < 0 ? d + shape.length : d).toArray();
        Tensor out = Tensor.viewResult("permute", a.value().permute(normalized),
                g -> a.accumulate(g.permute(inverse).dup('c')), a);
        return shape.length == 2 && normalized[0] == 1 ? out.markTransposeOf(a) : out;   // lets a product write dW in W's layout
    }

    /** Elements {@code start .. start+length-1} along {@code dim}. A view. */
    static Tensor narrow(Tensor a, int dim, long start, long length) {
        long[] shape = a.shape();
        int d = Shapes.dim("narrow", shape, dim);
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new ShapeException("narrow: range [" + start + ", " + (start + length) + ") is outside dimension " + d
                    + " of shape " + Shapes.str(shape));
        }
        INDArrayIndex[] idx = range(shape.length, d, start, length);
        return Tensor.viewResult("narrow", a.value().get(idx), g -> a.accumulateInto(idx, g), a);
    }

    /** Joins tensors of equal shape except along {@code dim}. */
    static Tensor concat(int dim, Tensor... parts) {
        if (parts.length == 0) {
            throw new ShapeException("concat: no tensors given");
        }
        long[] first = parts[0].shape();
        int d = Shapes.dim("concat", first, dim);
        INDArray[] values = new INDArray[parts.length];
        for (int i = 0; i < parts.length; i++) {
            long[] s = parts[i].shape();
            if (s.length != first.length) {
                throw Shapes.mismatch("concat", first, s, "differ in rank");
            }
            for (int j = 0; j < s.length; j++) {
                if (j != d && s[j] != first[j]) {
                    throw Shapes.mismatch("concat", first, s, "differ outside dimension " + d);
                }
            }
            values[i] = parts[i].computeValue();
            if (values[i].dataType() != values[0].dataType()) {
                throw new IllegalArgumentException("concat: tensor " + i + " is " + values[i].dataType() + ", tensor 0 is " + values[0].dataType());
            }
        }
        INDArray out = Nd4j.concat(d, values);
        return Tensor.result("concat", out, g -> {
            long offset = 0;
            for (Tensor p : parts) {
                long len = p.shape()[d];
                if (p.needsGrad()) {
                    p.accumulate(g.get(range(first.length, d, offset, len)).dup('c'));
                }
                offset += len;
            }
        }, parts);
    }

    private static INDArrayIndex[] range(int rank, int dim, long start, long length) {
        INDArrayIndex[] idx = new INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            idx[i] = i == dim ? NDArrayIndex.interval(start, start + length) : NDArrayIndex.all();
        }
        return idx;
    }

    /** True when the elements are laid out in row-major order without gaps. */
    /**
     * The tensor's float32 value as a contiguous array for a host kernel: itself when it already is one, else a c-order
     * copy owned by the current arena (other types are returned as they are, for the caller's fallback).
     */
    static INDArray dense(Tensor x) {
        INDArray v = x.computeValue();
        return isContiguous(v) || v.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT ? v : Tensor.wrap(v.dup('c')).value();
    }

    static boolean isContiguous(INDArray x) {
        long[] shape = x.shape();
        long[] stride = x.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    private static long[] inferShape(long[] from, long[] to) {
        long known = 1;
        int infer = -1;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == -1) {
                if (infer >= 0) {
                    throw new ShapeException("reshape: more than one -1 in " + Shapes.str(to));
                }
                infer = i;
            } else if (to[i] < 0) {
                throw new ShapeException("reshape: negative dimension in " + Shapes.str(to));
            } else {
                known *= to[i];
            }
        }
        long n = Shapes.numel(from);
        long[] result = to.clone();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw Shapes.mismatch("reshape", from, to, "are incompatible");
            }
            result[infer] = n / known;
        } else if (known != n) {
            throw Shapes.mismatch("reshape", from, to, "are incompatible (" + n + " vs " + known + " elements)");
        }
        return result;
    }
}
