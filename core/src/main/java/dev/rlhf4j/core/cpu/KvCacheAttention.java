package dev.rlhf4j.core.cpu;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code Attention} for one decoding step as one Java pass over host memory, as {@code flash_attn_with_kvcache}:
 * the keys and values of the new positions written into the caches, softmax(q k^T scale + bias) v for every
 * (batch, head, query), and the heads merged back, reading q, k and v in place through their strides. That
 * replaces two batched GEMV calls per head and a handful of ND4J ops per layer, each costing more to dispatch
 * than to compute at T = 1. Forward only, float64 arithmetic.
 */
final class KvCacheAttention {
    private KvCacheAttention() {
    }

    /**
     * Writes the keys and values of {@code qkv} (B, T, 3C: queries | keys | values, contiguous) into rows [past,
     * past + T) of the caches (B, nh, capacity, hs, contiguous), attends the queries over rows [0, past + T) with
     * {@code bias} (4-D, broadcastable to (B, nh, T, past + T), or null) and returns the heads merged, (B, T, C).
     */
    static INDArray attend(INDArray qkv, INDArray keyCache, INDArray valueCache, int past, int heads, INDArray bias) {
        long b = qkv.size(0);
        long t = qkv.size(1);
        long c = qkv.size(2) / 3;
        long hs = c / heads;
        long tk = past + t;
        long[] heads4 = {b, heads, t, hs};
        long[] split = {t * 3 * c, hs, 3 * c, 1};                                     // (B, nh, T, hs) inside qkv
        HeadView keysOut = new HeadView(keyCache, past * hs, heads4, keyCache.stride());
        HeadView valuesOut = new HeadView(valueCache, past * hs, heads4, valueCache.stride());
        new HeadView(qkv, c, heads4, split).copyTo(keysOut);
        new HeadView(qkv, 2 * c, heads4, split).copyTo(valuesOut);
        long[] cached = {b, heads, tk, hs};
        return fused(new HeadView(qkv, 0, heads4, split), new HeadView(keyCache, 0, cached, keyCache.stride()),
                new HeadView(valueCache, 0, cached, valueCache.stride()), bias == null ? null : new HeadView(bias),
                heads4, (int) tk, 1.0 / Math.sqrt(hs), true, qkv.dataType());
    }

    /**
     * softmax(q k^T scale + bias) v for every (batch, head, query), reading every operand through its strides;
     * {@code shape} is q's (B, nh, T, hs). The result is (B, nh, T, hs), or with {@code mergeHeads} (B, T, nh hs).
     */
    private static INDArray fused(HeadView qs, HeadView ks, HeadView vs, HeadView bs, long[] shape, int tk, double scale,
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
    static final class HeadView {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final long offset;
        private final long[] shape;
        private final long[] strides;
        private float[] scratch = new float[0];

        HeadView(INDArray a) {
            this(a, 0, a.shape(), a.stride());
        }

        /** A 4-D window of {@code base}'s memory: {@code shape} and {@code strides} counted from {@code offset}. */
        HeadView(INDArray base, long offset, long[] shape, long[] strides) {
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
        void copyTo(HeadView target) {
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
