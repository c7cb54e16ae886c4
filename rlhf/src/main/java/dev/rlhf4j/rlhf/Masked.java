package dev.rlhf4j.rlhf;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.Arrays;

/**
 * Reductions over the selected entries of a padded batch. A mask is a float tensor of 0/1 with the shape of
 * the per-token quantity it selects (usually (B, T)); a masked-out entry is treated as absent: it is replaced
 * by zero with {@link Tensor#where} before any arithmetic, so even NaN or infinity there changes nothing and
 * receives a zero gradient.
 *
 * <pre>
 *   masked_sum(x)  = sum_i m_i x_i
 *   masked_mean(x) = sum_i m_i x_i / sum_i m_i
 *   masked_var(x)  = masked_mean((x - masked_mean(x))^2) * (n / (n - 1) if unbiased), n = sum_i m_i
 * </pre>
 * These are TRL's {@code masked_mean} / {@code masked_var}. A mean over an empty selection is 0/0 = NaN.
 */
public final class Masked {
    private Masked() {
    }

    /** Throws a {@link ShapeException} naming both shapes unless {@code mask} is a float tensor shaped like {@code x}. */
    public static void check(String op, Tensor x, Tensor mask) {
        if (!Arrays.equals(x.shape(), mask.shape())) {
            throw new ShapeException(op + ": mask of shape " + str(mask.shape()) + " does not match values of shape "
                    + str(x.shape()));
        }
        if (!mask.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": mask must be a float tensor of 0/1, got " + mask.dtype());
        }
    }

    /** {@code x} where the mask is 1, exactly 0 elsewhere. */
    public static Tensor fill(Tensor x, Tensor mask) {
        check("Masked.fill", x, mask);
        return Tensor.where(mask, x, Tensor.scalar(0.0, x.dtype().computeType()));        // (B, T)
    }

    /** Sum over all selected entries: a scalar. */
    public static Tensor sum(Tensor x, Tensor mask) {
        return fill(x, mask).sum();                                                         // ()
    }

    /** Mean over all selected entries: a scalar. */
    public static Tensor mean(Tensor x, Tensor mask) {
        return sum(x, mask).div(mask.sum());                                               // ()
    }

    /** Sum of each row over its selected entries along the last dimension: (B, T) gives (B). */
    public static Tensor rowSum(Tensor x, Tensor mask) {
        return fill(x, mask).sum(-1, false);                                               // (B)
    }

    /** Mean of each row over its selected entries along the last dimension: (B, T) gives (B). */
    public static Tensor rowMean(Tensor x, Tensor mask) {
        return rowSum(x, mask).div(mask.sum(-1, false));                                   // (B)
    }

    /** Variance over all selected entries (TRL's {@code masked_var}): a scalar. */
    public static Tensor variance(Tensor x, Tensor mask, boolean unbiased) {
        Tensor centered = fill(x, mask).sub(mean(x, mask));                                // (B, T)
        Tensor variance = mean(centered.mul(centered), mask);                              // ()
        if (!unbiased) {
            return variance;
        }
        Tensor n = mask.sum();                                                             // ()
        return variance.mul(n).div(n.sub(1.0));                                            // ()
    }

    /** The number of selected entries. */
    public static double count(Tensor mask) {
        return mask.sum().item();
    }

    /** Float 0/1 of {@code x > y} as a float64 tensor, outside the graph (for clip fractions). */
    public static Tensor greater(Tensor x, Tensor y) {
        return Tensor.where(x.sub(y).detach().maximum(Tensor.scalar(0.0, DType.FLOAT64)),
                Tensor.scalar(1.0, DType.FLOAT64), Tensor.scalar(0.0, DType.FLOAT64));
    }

    public static String str(long[] shape) {
        return Arrays.toString(shape).replace(" ", "");
    }
}
