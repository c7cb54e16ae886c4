package dev.rlhf4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reading elements by index: the embedding row lookup (token ids to vectors) and the gather along the last
 * dimension that picks each next token's log-prob out of a vocabulary-sized row. Both backward rules
 * scatter-add the gradient to the positions that were read, so a repeated index accumulates.
 */
final class Indexing {
    private Indexing() {
    }

    /** {@code weight[ids]}: ids of shape (...) give vectors of shape (..., C). */
    static Tensor embedding(Tensor weight, Tensor ids) {
        long[] ws = weight.shape();
        if (ws.length != 2) {
            throw new ShapeException("embedding: weight must be (V, C), got " + Shapes.str(ws));
        }
        long[] idShape = ids.shape();
        INDArray flat = flatIndices("embedding", ids, ws[0]);          // (N)
        INDArray rows = gather(weight.value(), flat);                  // (N, C), stored type
        if (DType.of(rows.dataType()).isHalf()) {                      // widen the rows, not the whole table
            INDArray wide = rows.castTo(DType.FLOAT32.nd4j());
            rows.close();
            rows = wide;
        }
        long[] outShape = Arrays.copyOf(idShape, idShape.length + 1);
        outShape[idShape.length] = ws[1];
        INDArray out = rows.reshape('c', outShape).dup('c');
        rows.close();
        return Tensor.result("embedding", out, g -> {
            try (INDArray dense = g.dup('c')) {
                INDArray rowsGrad = dense.reshape('c', new long[] {flat.length(), ws[1]});
                GradientBuffer.Target sink = weight.gradientTarget(g.dataType());
                if (sink != null) {                                    // rows land in the gradient buffer itself
                    if (sink.overwrite()) {
                        sink.array().assign(0);
                    }
                    scatterAdd(sink.array(), flat, rowsGrad);
                } else {
                    INDArray dW = Nd4j.zeros(g.dataType(), ws);
                    scatterAdd(dW, flat, rowsGrad);
                    weight.accumulate(dW);
                }
            }
        }, weight).save(flat);
    }

    /** {@code x[..., index[...]]}: x of shape (..., V) and index of shape (...) give shape (...). */
    static Tensor gatherLast(Tensor x, Tensor index) {
        long[] xs = x.shape();
        long[] is = index.shape();
        if (xs.length != is.length + 1 || !Arrays.equals(Arrays.copyOf(xs, is.length), is)) {
            throw Shapes.mismatch("gatherLast", xs, is, "do not match: expected x (..., V) and index (...)");
        }
        long v = xs[xs.length - 1];
        long n = Shapes.numel(is);
        INDArray ids = flatIndices("gatherLast", index, v);            // (N)
        INDArray flatPos;                                              // (N): row * V + id
        try (INDArray rows = Nd4j.arange(0, n)) {
            flatPos = rows.castTo(DataType.LONG).muli(v).addi(ids);
        }
        ids.close();
        INDArray xv = x.computeValue();
        INDArray dense = ShapeOps.isContiguous(xv) ? xv : x.computeValue().dup('c');
        INDArray picked = gather(dense.reshape('c', new long[] {n * v}), flatPos);  // (N)
        if (dense != xv) {
            dense.close();
        }
        INDArray out = picked.reshape('c', is).dup('c');
        picked.close();
        return Tensor.result("gatherLast", out, g -> {
            INDArray dx = Nd4j.zeros(g.dataType(), n * v);
            try (INDArray gd = g.dup('c')) {
                scatterAdd(dx, flatPos, gd.reshape('c', new long[] {n}));
            }
            x.accumulate(Shapes.reshapeCopy(dx, xs));
            dx.close();
        }, x).save(flatPos);
    }

    /** The indices as a flat int64 array, checked against [0, limit); the error names the first bad one. */
    private static INDArray flatIndices(String op, Tensor ids, long limit) {
        INDArray v = ids.value();
        if (v.dataType().isFPType() || v.dataType() == DataType.BOOL) {
            throw new IllegalArgumentException(op + ": indices must be an integer tensor, got " + ids.dtype());
        }
        INDArray flat = Nd4j.createUninitialized(DataType.LONG, v.length());
        try (INDArray dense = v.dup('c')) {
            flat.assign(dense.reshape('c', new long[] {v.length()}));
        }
        if (flat.length() > 0) {
            long min = flat.minNumber().longValue();
            long max = flat.maxNumber().longValue();
            if (min < 0 || max >= limit) {
                long[] all = flat.toLongVector();
                for (int i = 0; i < all.length; i++) {
                    if (all[i] < 0 || all[i] >= limit) {
                        flat.close();
                        throw new IndexOutOfBoundsException(op + ": index " + all[i] + " at position " + i
                                + " is out of range [0, " + limit + ")");
                    }
                }
            }
        }
        return flat;
    }

    /** Rows (or elements, for a 1-D source) of {@code source} at {@code indices}. */
    private static INDArray gather(INDArray source, INDArray indices) {
        long[] shape = source.shape().clone();
        shape[0] = indices.length();
        INDArray out = Nd4j.createUninitialized(source.dataType(), shape, 'c');
        Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(source, indices).addOutputs(out).addIntegerArguments(0).build());
        return out;
    }

    private static void scatterAdd(INDArray target, INDArray indices, INDArray updates) {
        Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(target, indices, updates).addOutputs(target)
                .addBooleanArguments(true, false).build());
    }
}
