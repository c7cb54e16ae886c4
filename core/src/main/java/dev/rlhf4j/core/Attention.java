package dev.rlhf4j.core;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scaled dot-product attention, {@code torch.nn.functional.scaled_dot_product_attention}:
 * <pre>
 *   y = dropout(softmax(q k^T / sqrt(hs) + bias)) v
 * </pre>
 * Legend: B batch, nh heads, T queries, Tk keys, hs head size; q (B, nh, T, hs), k and v (B, nh, Tk, hs),
 * bias broadcastable to (B, nh, T, Tk) (0 where a query may attend, a large negative number where not).
 *
 * <p>Built from primitives (matmul, scale, add, softmax, dropout), so backward is theirs. When no graph is
 * recorded, nothing is dropped and the work is small (one-token decoding: T = 1 against a KV cache), the
 * whole of it runs as one Java pass over host memory, reading q, k and v in place through their strides:
 * that replaces two batched GEMV calls per head and four ND4J ops per layer.
 */
final class Attention {
    /** At most this many multiply-adds (B nh T Tk hs) for the single-pass kernel. */
    private static final long MAX_FUSED_WORK = 1L << 21;

    private Attention() {
    }

    static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor bias, double dropoutP, TensorRandom random) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || k.size(3) != q.size(3) || !java.util.Arrays.equals(k.shape(), v.shape())
                || k.size(0) != q.size(0) || k.size(1) != q.size(1)) {
            throw new ShapeException("scaledDotProductAttention: needs q (B, nh, T, hs) and k, v (B, nh, Tk, hs), got q "
                    + Shapes.str(q.shape()) + ", k " + Shapes.str(k.shape()) + ", v " + Shapes.str(v.shape()));
        }
        double scale = 1.0 / Math.sqrt(q.size(3));
        if (dropoutP == 0 && fusable(q, k, v, bias)) {
            return Tensor.inferenceResult("scaledDotProductAttention", fused(q.computeValue(), k.computeValue(), v.computeValue(),
                    bias == null ? null : bias.computeValue(), scale));
        }
        Tensor att = q.matmul(k.transpose(2, 3)).mul(scale);             // (B, nh, T, Tk)
        if (bias != null) {
            att = att.add(bias);
        }
        att = att.softmax(3);
        if (dropoutP > 0) {
            att = att.dropout(dropoutP, random);
        }
        return att.matmul(v);                                            // (B, nh, T, hs)
    }

    private static boolean fusable(Tensor q, Tensor k, Tensor v, Tensor bias) {
        long work = q.size(0) * q.size(1) * q.size(2) * k.size(2) * q.size(3);
        if (work > MAX_FUSED_WORK || (!NoGrad.isActive() && (q.needsGrad() || k.needsGrad() || v.needsGrad()
                || (bias != null && bias.needsGrad())))) {
            return false;
        }
        DataType type = q.value().dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            return false;
        }
        for (Tensor t : bias == null ? new Tensor[] {k, v} : new Tensor[] {k, v, bias}) {
            if (t.value().dataType() != type) {
                return false;
            }
        }
        if (bias != null) {
            long[] want = {q.size(0), q.size(1), q.size(2), k.size(2)};
            if (bias.rank() != 4) {
                return false;
            }
            for (int i = 0; i < 4; i++) {
                if (bias.size(i) != 1 && bias.size(i) != want[i]) {
                    return false;
                }
            }
        }
        return HostMemory.available();
    }

    /** softmax(q k^T scale + bias) v for every (batch, head, query), reading every operand through its strides. */
    private static INDArray fused(INDArray q, INDArray k, INDArray v, INDArray bias, double scale) {
        int b = (int) q.size(0);
        int nh = (int) q.size(1);
        int t = (int) q.size(2);
        int hs = (int) q.size(3);
        int tk = (int) k.size(2);
        Strided qs = new Strided(q);
        Strided ks = new Strided(k);
        Strided vs = new Strided(v);
        Strided bs = bias == null ? null : new Strided(bias);
        double[] out = new double[b * nh * t * hs];
        double[] keys = new double[tk * hs];                           // (Tk, hs) of one (batch, head)
        double[] values = new double[tk * hs];
        double[] query = new double[hs];
        double[] p = new double[tk];
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < nh; h++) {
                ks.rows(bi, h, tk, keys);
                vs.rows(bi, h, tk, values);
                for (int i = 0; i < t; i++) {
                    qs.row(bi, h, i, query, 0);
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        double dot = 0;
                        for (int d = 0, kj = j * hs; d < hs; d++) {
                            dot += query[d] * keys[kj + d];
                        }
                        p[j] = dot * scale + (bs == null ? 0 : bs.get(bs.at(bi, h, i, j)));
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < tk; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    int o = ((bi * nh + h) * t + i) * hs;
                    for (int j = 0; j < tk; j++) {
                        double w = p[j] / sum;
                        for (int d = 0, vj = j * hs; d < hs; d++) {
                            out[o + d] += w * values[vj + d];
                        }
                    }
                }
            }
        }
        return HostMemory.create(out, q.dataType(), new long[] {b, nh, t, hs});
    }

    /** Element access to a 4-D array in host memory through its strides; size-1 (broadcast) dimensions read index 0. */
    private static final class Strided {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final long[] strides;
        private final float[] scratch;
        private final long shape3;

        Strided(INDArray a) {
            Buffer all = HostMemory.whole(a);
            this.floats = all instanceof FloatBuffer f ? f : null;
            this.doubles = all instanceof DoubleBuffer d ? d : null;
            long[] shape = a.shape();
            this.shape3 = shape[3];
            this.strides = a.stride().clone();
            for (int i = 0; i < 4; i++) {
                if (shape[i] == 1) {
                    strides[i] = 0;
                }
            }
            this.scratch = new float[(int) (shape[2] * shape[3])];
        }

        long at(int i0, int i1, int i2, int i3) {
            return i0 * strides[0] + i1 * strides[1] + i2 * strides[2] + i3 * strides[3];
        }

        double get(long index) {
            return floats != null ? floats.get((int) index) : doubles.get((int) index);
        }

        /** Rows (i0, i1, 0 .. rows-1, :) into {@code dst}; one bulk read when they are contiguous (a KV cache's first rows). */
        void rows(int i0, int i1, int rows, double[] dst) {
            int n = rows * (int) shape3;
            if (strides[3] == 1 && strides[2] == shape3 && floats != null) {
                floats.get((int) at(i0, i1, 0, 0), scratch, 0, n);
                for (int d = 0; d < n; d++) {
                    dst[d] = scratch[d];
                }
            } else if (strides[3] == 1 && strides[2] == shape3) {
                doubles.get((int) at(i0, i1, 0, 0), dst, 0, n);
            } else {
                for (int r = 0; r < rows; r++) {
                    row(i0, i1, r, dst, r * (int) shape3);
                }
            }
        }

        /** Elements (i0, i1, i2, :) into {@code dst} from {@code offset}; one bulk read when the last stride is 1. */
        void row(int i0, int i1, int i2, double[] dst, int offset) {
            int start = (int) at(i0, i1, i2, 0);
            int n = (int) shape3;
            if (strides[3] == 1 && floats != null) {
                floats.get(start, scratch, 0, n);
                for (int d = 0; d < n; d++) {
                    dst[offset + d] = scratch[d];
                }
            } else if (strides[3] == 1) {
                doubles.get(start, dst, offset, n);
            } else {
                for (int d = 0; d < n; d++) {
                    dst[offset + d] = get(start + d * strides[3]);
                }
            }
        }
    }
}
