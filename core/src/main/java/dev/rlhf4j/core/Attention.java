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
 * that replaces two batched GEMV calls per head and four ND4J ops per layer. {@link #withKvCache} does the same
 * for a decoding step of a model with a KV cache, including the cache writes and the split and merge of heads.
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
        if (dropoutP == 0 && fusable(q, k, v, bias, q.size(2), k.size(2))) {
            INDArray qa = q.computeValue();
            Strided bs = bias == null ? null : new Strided(bias.computeValue());
            INDArray out = fused(new Strided(qa), new Strided(k.computeValue()), new Strided(v.computeValue()), bs,
                    qa.shape(), (int) k.size(2), scale, false, qa.dataType());
            return Tensor.inferenceResult("scaledDotProductAttention", out);
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

    /**
     * Multi-head attention of new positions over a KV cache, as {@code flash_attn_with_kvcache}: writes the keys
     * and values of {@code qkv} (B, T, 3C: queries, keys, values side by side, as GPT-2's {@code c_attn} makes
     * them) into rows [past, past + T) of the caches (B, nh, capacity, hs), then attends the queries over rows
     * [0, past + T) and returns the heads merged back, (B, T, C). Writing into the caches records no graph.
     *
     * <p>When no graph is recorded and the work is small, the split, the cache writes, the attention and the
     * merge are one pass over host memory; otherwise they are views, copies and {@link #scaledDotProduct}.
     */
    static Tensor withKvCache(Tensor qkv, Tensor keyCache, Tensor valueCache, int past, int heads, Tensor bias) {
        if (qkv.rank() != 3 || keyCache.rank() != 4 || heads < 1) {
            throw new ShapeException("attention with KV cache: needs qkv (B, T, 3 nh hs) and caches (B, nh, capacity, hs), got qkv "
                    + Shapes.str(qkv.shape()) + " and caches " + Shapes.str(keyCache.shape()) + ", " + heads + " heads");
        }
        long b = qkv.size(0);
        long t = qkv.size(1);
        long c = qkv.size(2) / 3;
        long hs = c / heads;
        if (qkv.size(2) != 3 * c || c != heads * hs || past < 0
                || !java.util.Arrays.equals(keyCache.shape(), valueCache.shape()) || keyCache.size(0) != b
                || keyCache.size(1) != heads || keyCache.size(3) != hs || past + t > keyCache.size(2)) {
            throw new ShapeException("attention with KV cache: needs qkv (B, T, 3 nh hs) and caches (B, nh, capacity, hs) with room for "
                    + past + " + T rows, got qkv " + Shapes.str(qkv.shape()) + ", caches " + Shapes.str(keyCache.shape())
                    + " and " + Shapes.str(valueCache.shape()) + ", " + heads + " heads");
        }
        long tk = past + t;
        INDArray base = qkv.computeValue();
        if (fusable(qkv, keyCache, valueCache, bias, t, tk) && ShapeOps.isContiguous(base)
                && ShapeOps.isContiguous(keyCache.value()) && ShapeOps.isContiguous(valueCache.value())) {
            long[] heads4 = {b, heads, t, hs};
            long[] split = {t * 3 * c, hs, 3 * c, 1};                                     // (B, nh, T, hs) inside qkv
            INDArray kc = keyCache.value();
            INDArray vc = valueCache.value();
            Strided keysOut = new Strided(kc, past * hs, heads4, kc.stride());
            Strided valuesOut = new Strided(vc, past * hs, heads4, vc.stride());
            new Strided(base, c, heads4, split).copyTo(keysOut);
            new Strided(base, 2 * c, heads4, split).copyTo(valuesOut);
            long[] cached = {b, heads, tk, hs};
            INDArray out = fused(new Strided(base, 0, heads4, split), new Strided(kc, 0, cached, kc.stride()),
                    new Strided(vc, 0, cached, vc.stride()), bias == null ? null : new Strided(bias.computeValue()),
                    heads4, (int) tk, 1.0 / Math.sqrt(hs), true, base.dataType());
            return Tensor.inferenceResult("attentionWithKvCache", out);
        }
        Tensor q = qkv.narrow(2, 0, c).reshape(b, t, heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        Tensor k = qkv.narrow(2, c, c).reshape(b, t, heads, hs).transpose(1, 2);
        Tensor v = qkv.narrow(2, 2 * c, c).reshape(b, t, heads, hs).transpose(1, 2);
        keyCache.narrow(2, past, t).assign(k);
        valueCache.narrow(2, past, t).assign(v);
        Tensor keys = keyCache.narrow(2, 0, past + t);                                       // (B, nh, Tk, hs)
        Tensor values = valueCache.narrow(2, 0, past + t);
        return scaledDotProduct(q, keys, values, bias, 0, null).transpose(1, 2).reshape(b, t, c);   // (B, T, C)
    }

    /**
     * True when the single-pass kernel may run: nothing records a graph, all operands are float32 or float64 of
     * one type in host memory, the bias (if any) is 4-D and broadcastable to (B, nh, T, Tk), and the work is small.
     */
    private static boolean fusable(Tensor q, Tensor k, Tensor v, Tensor bias, long t, long tk) {
        long work = q.size(0) * k.size(1) * t * tk * k.size(3);
        if (work > MAX_FUSED_WORK || !HostMemory.available() || (!NoGrad.isActive() && (q.needsGrad() || k.needsGrad()
                || v.needsGrad() || (bias != null && bias.needsGrad())))) {
            return false;
        }
        DataType type = q.value().dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            return false;
        }
        for (Tensor x : bias == null ? new Tensor[] {k, v} : new Tensor[] {k, v, bias}) {
            if (x.value().dataType() != type) {
                return false;
            }
        }
        if (bias != null) {
            long[] want = {q.size(0), k.size(1), t, tk};
            if (bias.rank() != 4) {
                return false;
            }
            for (int i = 0; i < 4; i++) {
                if (bias.size(i) != 1 && bias.size(i) != want[i]) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * softmax(q k^T scale + bias) v for every (batch, head, query), reading every operand through its strides;
     * {@code shape} is q's (B, nh, T, hs). The result is (B, nh, T, hs), or with {@code mergeHeads} (B, T, nh hs).
     */
    private static INDArray fused(Strided qs, Strided ks, Strided vs, Strided bs, long[] shape, int tk, double scale,
                                  boolean mergeHeads, DataType type) {
        int b = (int) shape[0];
        int nh = (int) shape[1];
        int t = (int) shape[2];
        int hs = (int) shape[3];
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
                    int o = mergeHeads ? (bi * t + i) * nh * hs + h * hs : ((bi * nh + h) * t + i) * hs;
                    for (int j = 0; j < tk; j++) {
                        double w = p[j] / sum;
                        for (int d = 0, vj = j * hs; d < hs; d++) {
                            out[o + d] += w * values[vj + d];
                        }
                    }
                }
            }
        }
        return HostMemory.create(out, type, mergeHeads ? new long[] {b, t, (long) nh * hs} : new long[] {b, nh, t, hs});
    }

    /**
     * Element access to a 4-D array in host memory: element (i0, i1, i2, i3) at {@code offset + sum(i_d *
     * stride_d)} from the start of the array's memory. Size-1 (broadcast) dimensions read index 0.
     */
    private static final class Strided {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final long offset;
        private final long[] shape;
        private final long[] strides;
        private float[] scratch = new float[0];

        Strided(INDArray a) {
            this(a, 0, a.shape(), a.stride());
        }

        /** A 4-D window of {@code base}'s memory: {@code shape} and {@code strides} counted from {@code offset}. */
        Strided(INDArray base, long offset, long[] shape, long[] strides) {
            Buffer all = HostMemory.whole(base);
            this.floats = all instanceof FloatBuffer f ? f : null;
            this.doubles = all instanceof DoubleBuffer d ? d : null;
            this.offset = offset;
            this.shape = shape.clone();
            this.strides = strides.clone();
            for (int i = 0; i < 4; i++) {
                if (shape[i] == 1) {
                    this.strides[i] = 0;
                }
            }
        }

        long at(int i0, int i1, int i2, int i3) {
            return offset + i0 * strides[0] + i1 * strides[1] + i2 * strides[2] + i3 * strides[3];
        }

        double get(long index) {
            return floats != null ? floats.get((int) index) : doubles.get((int) index);
        }

        private float[] scratch(int n) {
            if (scratch.length < n) {
                scratch = new float[n];
            }
            return scratch;
        }

        /** Rows (i0, i1, 0 .. rows-1, :) into {@code dst}; one bulk read when they are contiguous (a KV cache's first rows). */
        void rows(int i0, int i1, int rows, double[] dst) {
            int width = (int) shape[3];
            int n = rows * width;
            if (strides[3] == 1 && strides[2] == width && floats != null) {
                float[] f = scratch(n);
                floats.get((int) at(i0, i1, 0, 0), f, 0, n);
                for (int d = 0; d < n; d++) {
                    dst[d] = f[d];
                }
            } else if (strides[3] == 1 && strides[2] == width) {
                doubles.get((int) at(i0, i1, 0, 0), dst, 0, n);
            } else {
                for (int r = 0; r < rows; r++) {
                    row(i0, i1, r, dst, r * width);
                }
            }
        }

        /** Elements (i0, i1, i2, :) into {@code dst} from {@code from}. */
        void row(int i0, int i1, int i2, double[] dst, int from) {
            long start = at(i0, i1, i2, 0);
            for (int d = 0; d < shape[3]; d++) {
                dst[from + d] = get(start + d * strides[3]);
            }
        }

        /** Copies every element into {@code target}, a window of the same shape and element type. */
        void copyTo(Strided target) {
            for (int i0 = 0; i0 < shape[0]; i0++) {
                for (int i1 = 0; i1 < shape[1]; i1++) {
                    for (int i2 = 0; i2 < shape[2]; i2++) {
                        long from = at(i0, i1, i2, 0);
                        long to = target.at(i0, i1, i2, 0);
                        for (int d = 0; d < shape[3]; d++) {
                            if (floats != null) {
                                target.floats.put((int) (to + d * target.strides[3]), floats.get((int) (from + d * strides[3])));
                            } else {
                                target.doubles.put((int) (to + d * target.strides[3]), doubles.get((int) (from + d * strides[3])));
                            }
                        }
                    }
                }
            }
        }
    }
}
