package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Mean cross-entropy of logits against integer targets, skipping targets equal to {@code ignoreIndex} (as
 * {@code F.cross_entropy(..., ignore_index=...)}). Forward and backward fused, so the (N, V) log-prob
 * matrix is never materialised as a graph of small ops. The forward keeps {@code exp(z - rowmax)}: its row
 * sums give the log-sum-exp, and backward turns it in place into the softmax and then into the gradient, so
 * the vocabulary-sized work is one exp and no extra copy:
 * <pre>
 *   loss = (1/n) sum_i [ logsumexp(z_i) - z_i[t_i] ]   over the n rows with t_i != ignoreIndex
 *   dz_i = (softmax(z_i) - onehot(t_i)) * g / n         (zero for ignored rows)
 * </pre>
 * If every target is ignored, the loss is NaN (0/0), as in PyTorch.
 */
final class CrossEntropy {
    private CrossEntropy() {
    }

    static Tensor apply(Tensor logits, Tensor targets, long ignoreIndex) {
        long[] ls = logits.shape();
        long[] ts = targets.shape();
        if (ls.length != ts.length + 1 || !Arrays.equals(Arrays.copyOf(ls, ts.length), ts)) {
            throw Shapes.mismatch("crossEntropy", ls, ts, "do not match: expected logits (..., V) and targets (...)");
        }
        long v = ls[ls.length - 1];
        int n = Math.toIntExact(Shapes.numel(ts));
        long[] t = targets.toLongArray();
        long[] flatPos = new long[n];
        double[] keep = new double[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            flatPos[i] = i * v;                                         // distinct even for ignored rows
            if (t[i] == ignoreIndex) {
                continue;
            }
            if (t[i] < 0 || t[i] >= v) {
                throw new IndexOutOfBoundsException("crossEntropy: target " + t[i] + " at position " + i
                        + " is out of range [0, " + v + ") (ignore index " + ignoreIndex + ")");
            }
            flatPos[i] = i * v + t[i];
            keep[i] = 1.0;
            count++;
        }
        INDArray z = logits.computeValue();
        INDArray z2 = ShapeOps.isContiguous(z) ? z.reshape('c', new long[] {n, v}) : Tensor.wrap(z.dup('c')).value().reshape('c', new long[] {n, v});
        DataType type = z.dataType();
        if (CpuKernels.applies(Path.SIMD, z2)) {
            return fastCrossEntropy(logits, z2, t, keep, count, ls);
        }
        INDArray pos = Nd4j.createFromArray(flatPos);                           // (N)
        INDArray mask = Nd4j.create(keep, new long[] {n, 1}, 'c').castTo(type);     // (N, 1)
        // e = exp(z - rowmax) is kept: its row sums give logsumexp now, and e / rowsum is backward's softmax
        INDArray e = CpuKernels.uninitialized(type, ls);                   // (..., V)
        INDArray e2 = e.reshape('c', new long[] {n, v});                         // (N, V) view
        INDArray lse;                                                            // (N, 1)
        try (INDArray rowMax = z2.max(true, 1)) {
            BooleanIndexing.replaceWhere(rowMax, 0.0, Conditions.isInfinite());
            Nd4j.exec(new SubOp(new INDArray[] {z2, rowMax}, new INDArray[] {e2}));   // z - rowmax, broadcast
            Transforms.exp(e2, false);
            lse = e2.sum(true, 1);
            Transforms.log(lse, false).addi(rowMax);
        }
        double total;
        try (INDArray flat = z2.reshape('c', new long[] {(long) n * v});
             INDArray picked = Nd4j.createUninitialized(type, new long[] {n}, 'c');
             INDArray lseFlat = lse.reshape('c', new long[] {n});
             INDArray m = mask.reshape('c', new long[] {n})) {
            Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(flat, pos).addOutputs(picked).addIntegerArguments(0).build());
            total = lseFlat.sub(picked).muli(m).sumNumber().doubleValue();      // sum of -log p[target]
        }
        double denom = count;
        INDArray out = Nd4j.scalar(type, count == 0 ? Double.NaN : total / denom);
        final int kept = count;
        Tensor[] self = new Tensor[1];
        boolean[] handedOver = {false};
        self[0] = Tensor.result("crossEntropy", out, g -> {
            double scale = g.getDouble(0) / kept;
            INDArray softmax;                                                    // (..., V)
            if (!handedOver[0]) {                                                // e / rowsum(e), in e's own memory
                try (INDArray rowSums = e2.sum(true, 1)) {
                    e2.diviColumnVector(rowSums);
                }
                softmax = e;
                handedOver[0] = true;
                self[0].unsave(e);
            } else {                                                             // a second backward: exp(z - lse)
                softmax = CpuKernels.uninitialized(type, ls);
                INDArray s2 = softmax.reshape('c', new long[] {n, v});
                Nd4j.exec(new SubOp(new INDArray[] {z2, lse}, new INDArray[] {s2}));
                Transforms.exp(s2, false);
            }
            INDArray s2 = softmax.reshape('c', new long[] {n, v});                // (N, V) view
            try (INDArray flat = s2.reshape('c', new long[] {(long) n * v}); INDArray minusOne = Nd4j.valueArrayOf(new long[] {n}, -1.0, type)) {
                INDArray masked = minusOne.mul(mask.reshape('c', new long[] {n}));
                Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(flat, pos, masked).addOutputs(flat)
                        .addBooleanArguments(true, false).build());
                masked.close();
            }
            s2.muliColumnVector(mask).muli(scale);
            logits.accumulate(softmax);
        }, logits).save(pos, mask, lse, e);
        return self[0];
    }

    // ------------------------------------------------------------ fast twin (core.cpu): the definition above, faster

    /**
     * {@link #apply}'s loss and gradient as SIMD passes (float32 on the CPU): the row log-sum-exps forward, and
     * backward the softmax recomputed from them, so no (N, V) array is kept between the passes.
     */
    private static Tensor fastCrossEntropy(Tensor logits, INDArray z2, long[] t, double[] keep, int count, long[] ls) {
        int n = (int) z2.size(0);
        int v = (int) z2.size(1);
        double[] lse = CpuKernels.logSumExpRows(z2, n, v);               // (N)
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i] != 0) {
                total += lse[i] - z2.getFloat(i, t[i]);                         // -log p[target]
            }
        }
        INDArray out = Nd4j.scalar(DataType.FLOAT, count == 0 ? Float.NaN : (float) (total / count));
        return Tensor.result("crossEntropy", out, g -> {
            double scale = g.getDouble(0) / count;
            double[] rowScale = new double[n];
            for (int i = 0; i < n; i++) {
                rowScale[i] = keep[i] == 0 ? 0 : scale;                          // ignored rows get no gradient, as in PyTorch
            }
            INDArray dz = CpuKernels.uninitialized(DataType.FLOAT, ls);       // (..., V)
            CpuKernels.crossEntropyBackward(z2, lse, t, rowScale, dz, n, v);
            logits.accumulate(dz);
        }, logits);
    }
}
