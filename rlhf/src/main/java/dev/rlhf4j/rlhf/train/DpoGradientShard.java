package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One micro-batch of a DPO step as a unit of work that any machine can compute: its preference pairs (as the data
 * has them; the batching truncates), the factor its loss is scaled by in the step ({@code 1 / micro-batches}), and,
 * for a precomputed reference, the reference's per-token log-probs of its rows looked up by the driver, so that no
 * executor needs the cache.
 *
 * @param prompts        each pair's prompt ids
 * @param chosen         each pair's chosen completion
 * @param rejected       each pair's rejected completion
 * @param lossScale      the step's weight of this micro-batch's mean loss
 * @param referenceLogps the reference's log-probs of the 2B rows, row-major (2B, T-1) as {@link DpoBatch} pads them,
 *                       or null when the worker's reference computes them
 * @param referenceType  the type those log-probs are in (null with them)
 */
public record DpoGradientShard(int[][] prompts, int[][] chosen, int[][] rejected, double lossScale, double[] referenceLogps,
                               DType referenceType) implements Serializable {
    private static final long serialVersionUID = 1L;

    public DpoGradientShard {
        if (prompts.length == 0 || prompts.length != chosen.length || prompts.length != rejected.length) {
            throw new IllegalArgumentException("DpoGradientShard: need as many prompts, chosen and rejected completions, at least one,"
                    + " got " + prompts.length + ", " + chosen.length + " and " + rejected.length);
        }
        if ((referenceLogps == null) != (referenceType == null)) {
            throw new IllegalArgumentException("DpoGradientShard: reference log-probs and their type come together");
        }
    }

    /** The shard of {@code pairs}, its reference computed by the worker. */
    public static DpoGradientShard of(List<PreferenceExample> pairs, double lossScale) {
        int n = pairs.size();
        int[][] p = new int[n][];
        int[][] c = new int[n][];
        int[][] r = new int[n][];
        for (int i = 0; i < n; i++) {
            p[i] = pairs.get(i).prompt();
            c[i] = pairs.get(i).chosen();
            r[i] = pairs.get(i).rejected();
        }
        return new DpoGradientShard(p, c, r, lossScale, null, null);
    }

    /** This shard carrying the reference's log-probs of its rows. */
    public DpoGradientShard withReference(double[] logps, DType type) {
        return new DpoGradientShard(prompts, chosen, rejected, lossScale, logps, type);
    }

    /** The preference pairs. */
    public List<PreferenceExample> pairs() {
        List<PreferenceExample> out = new ArrayList<>(prompts.length);
        for (int i = 0; i < prompts.length; i++) {
            out.add(new PreferenceExample(prompts[i], chosen[i], rejected[i]));
        }
        return out;
    }
}
