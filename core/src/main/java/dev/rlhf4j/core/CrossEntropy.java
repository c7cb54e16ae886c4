package dev.rlhf4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mean cross-entropy of logits against integer targets, skipping targets equal to {@code ignoreIndex} (as
 * {@code F.cross_entropy(..., ignore_index=...)}). Forward and backward fused, so the (N, V) log-prob
 * matrix is never materialised as a graph of small ops:
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
        INDArray pos = Nd4j.createFromArray(flatPos);                           // (N)
        INDArray mask = Nd4j.create(keep, new long[] {n, 1}, 'c').castTo(type);     // (N, 1)
        INDArray logp = Nd4j.exec(DynamicCustomOp.builder("log_softmax").addInputs(z2).addIntegerArguments(1).build())[0];
        double total;
        try (INDArray flat = logp.reshape('c', new long[] {(long) n * v});
             INDArray picked = Nd4j.createUninitialized(type, new long[] {n}, 'c');
             INDArray m = mask.reshape('c', new long[] {n})) {
            Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(flat, pos).addOutputs(picked).addIntegerArguments(0).build());
            total = -picked.muli(m).sumNumber().doubleValue();
        }
        logp.close();
        double denom = count;
        INDArray out = Nd4j.scalar(type, count == 0 ? Double.NaN : total / denom);
        final int kept = count;
        return Tensor.result("crossEntropy", out, g -> {
            double scale = g.getDouble(0) / kept;
            INDArray dz = Nd4j.exec(new SoftMax(z2, z2.ulike(), 1))[0];        // (N, V)
            try (INDArray flat = dz.reshape('c', new long[] {(long) n * v}); INDArray minusOne = Nd4j.valueArrayOf(new long[] {n}, -1.0, type)) {
                INDArray masked = minusOne.mul(mask.reshape('c', new long[] {n}));
                Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(flat, pos, masked).addOutputs(flat)
                        .addBooleanArguments(true, false).build());
                masked.close();
            }
            dz.muliColumnVector(mask).muli(scale);
            INDArray shaped = Nd4j.createUninitialized(type, ls, 'c');
            shaped.assign(dz.reshape('c', ls));
            dz.close();
            logits.accumulate(shaped);
        }, logits).save(pos, mask);
    }
}
