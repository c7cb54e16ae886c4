package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;

/**
 * Rotary position embedding, {@code LlamaRotaryEmbedding} (Su et al. 2021, RoFormer): channel pair (i, i + hs/2) of a
 * query or key at position p is rotated by the angle p * inv_freq[i]:
 * <pre>
 *   cos, sin = cos(p * inv_freq), sin(p * inv_freq), each repeated twice to hs channels
 *   rotate_half(x) = cat(-x[hs/2:], x[:hs/2])
 *   apply_rotary_pos_emb(x) = x * cos + rotate_half(x) * sin
 * </pre>
 * so the score of a query at p and a key at p' depends on p - p' only. The inverse frequencies come from {@link
 * RopeParameters} (default, linear or llama3 scaling). cos and sin are tables of constants (no gradient); applying
 * them is mul, add, narrow, neg and concat, whose backward is theirs.
 *
 * <p>Legend: B batch (R rows of positions: B, or 1 when every row has the same), nh heads, T positions, hs head size.
 */
public final class RotaryEmbedding {
    /** cos and sin for a batch's positions, each (R, 1, T, hs), broadcast over heads. */
    public record PositionEmbeddings(Tensor cos, Tensor sin) {
    }

    private final double[] invFreq;              // (hs/2)

    public RotaryEmbedding(LlamaConfig config) {
        this.invFreq = config.rope().inverseFrequencies(config.headDim());
    }

    /** cos and sin (R, 1, T, hs) of {@code positions} (R rows of T positions each), in {@code type}. */
    public PositionEmbeddings forward(int[][] positions, DType type) {
        int rows = positions.length;
        int t = positions[0].length;
        int half = invFreq.length;
        int hs = 2 * half;
        double[] cos = new double[rows * t * hs];
        double[] sin = new double[rows * t * hs];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < t; j++) {
                int at = (r * t + j) * hs;
                for (int i = 0; i < half; i++) {
                    double angle = positions[r][j] * invFreq[i];
                    cos[at + i] = cos[at + half + i] = Math.cos(angle);
                    sin[at + i] = sin[at + half + i] = Math.sin(angle);
                }
            }
        }
        return new PositionEmbeddings(Tensor.of(cos, type, rows, 1, t, hs), Tensor.of(sin, type, rows, 1, t, hs));
    }

    /** {@code cat(-x2, x1)} of the halves x1, x2 of the last dimension: (B, nh, T, hs) to the same. */
    public static Tensor rotateHalf(Tensor x) {
        int last = x.rank() - 1;
        long half = x.size(last) / 2;
        return Tensor.concat(last, x.narrow(last, half, half).neg(), x.narrow(last, 0, half));   // (B, nh, T, hs)
    }

    /** {@code x * cos + rotate_half(x) * sin}: (B, nh, T, hs) rotated by (R, 1, T, hs) tables. */
    public static Tensor apply(Tensor x, PositionEmbeddings pe) {
        return x.mul(pe.cos()).add(rotateHalf(x).mul(pe.sin()));                                 // (B, nh, T, hs)
    }
}
