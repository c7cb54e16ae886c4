package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.rlhf.data.DpoBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.io.Serializable;
import java.util.List;

/**
 * One micro-batch of a DPO step as a unit of work that any machine can compute: its preference pairs (as the data
 * has them; the batching truncates), the factor its loss is scaled by in the step ({@code 1 / micro-batches}), and,
 * for a precomputed reference, the reference's per-token log-probs of its rows looked up by the driver, so that no
 * executor needs the cache.
 *
 * @param pairs          the micro-batch's preference pairs
 * @param lossScale      the step's weight of this micro-batch's mean loss
 * @param referenceLogps the reference's log-probs of the 2B rows, row-major (2B, T-1) as {@link DpoBatch} pads them,
 *                       or null when the worker's reference computes them
 * @param referenceType  the type those log-probs are in (null with them)
 */
public record DpoGradientShard(List<PreferenceExample> pairs, double lossScale, double[] referenceLogps,
                               DType referenceType) implements Serializable {
    private static final long serialVersionUID = 1L;

    public DpoGradientShard {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("DpoGradientShard: a micro-batch needs at least one pair");
        }
        pairs = List.copyOf(pairs);
        if ((referenceLogps == null) != (referenceType == null)) {
            throw new IllegalArgumentException("DpoGradientShard: reference log-probs and their type come together");
        }
    }

    /** The shard of {@code pairs}, its reference computed by the worker. */
    public static DpoGradientShard of(List<PreferenceExample> pairs, double lossScale) {
        return new DpoGradientShard(pairs, lossScale, null, null);
    }

    /** This shard carrying the reference's log-probs of its rows. */
    public DpoGradientShard withReference(double[] logps, DType type) {
        return new DpoGradientShard(pairs, lossScale, logps, type);
    }

}
