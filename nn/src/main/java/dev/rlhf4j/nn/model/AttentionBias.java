package dev.rlhf4j.nn.model;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.util.function.IntBinaryOperator;

/**
 * The additive attention bias of causal self-attention over a padded batch, shared by every family: 0 where a query
 * may attend to a key, {@link #MASKED} where not (a later key, or a pad).
 *
 * <p>Legend: R rows (B, or 1 when nothing is padded), T new positions, L cached positions, Tk = L + T keys.
 */
public final class AttentionBias {
    /** Added to masked scores: exp(score - 1e9) underflows to exactly 0 in float32 and float64. */
    public static final double MASKED = -1e9;

    private AttentionBias() {
    }

    /** The bias (R, 1, T, Tk) for the batch's columns from {@code past} on; one row for all when nothing is padded. */
    public static Tensor of(PaddedBatch batch, int past, DType type) {
        int rows = batch.isPadded() ? batch.batchSize() : 1;
        return of(rows, batch.length() - past, past, batch::mask, type);
    }

    /** The causal bias (1, 1, T, T) of an unpadded sequence, or null when T is 1 (nothing is masked). */
    public static Tensor causal(int t, DType type) {
        return of(1, t, 0, (r, j) -> 1, type);
    }

    /**
     * The additive attention bias (rows, 1, T, L + T): {@link #MASKED} where query i (at absolute position L + i) may
     * not see key j (j > L + i, or {@code mask(r, j)} is 0), 0 elsewhere. A pad query still sees itself, so no row is
     * entirely masked (its output is unused, but must not be NaN). Null when nothing is masked (one new token without
     * padding: the common decoding step). Adding a bias is one broadcast add, cheaper than a masked select, and exact:
     * exp(-1e9 + score) is 0 in float32 and float64.
     */
    public static Tensor of(int rows, int t, int past, IntBinaryOperator mask, DType type) {
        int tk = past + t;
        double[] m = new double[rows * t * tk];
        boolean any = false;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < tk; j++) {
                    boolean hidden = j > past + i || (mask.applyAsInt(r, j) == 0 && j != past + i);
                    m[(r * t + i) * tk + j] = hidden ? MASKED : 0.0;
                    any |= hidden;
                }
            }
        }
        return any ? Tensor.of(m, type, rows, 1, t, tk) : null;
    }
}
