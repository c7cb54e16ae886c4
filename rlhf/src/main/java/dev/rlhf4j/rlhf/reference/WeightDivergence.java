package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far the policy's weights have moved from the reference's, per parameter and in total, in float64:
 * <pre>
 *   abs_i      = || p_i - r_i ||_2                       relative_i = abs_i / || r_i ||_2
 *   abs_total  = sqrt(sum_i abs_i^2)                     relative   = abs_total / sqrt(sum_i || r_i ||_2^2)
 * </pre>
 * the L2 norms of the difference of each parameter tensor p_i and of the whole flattened model. A frozen
 * reference of an untrained policy gives exactly 0; a relative total of 0.01 means the policy has moved 1% of the
 * reference's norm. A reference in half precision is widened to float64 first, so its rounding shows up as a floor
 * of about u / 2 relative (u the storage's unit roundoff).
 *
 * @param perParameter each parameter's divergence, in the policy's order
 * @param absolute     abs_total
 * @param relative     abs_total / ||r||_2 (NaN when the reference is all zeros)
 */
public record WeightDivergence(Map<String, Parameter> perParameter, double absolute, double relative) {

    /** One parameter: {@code absolute = ||p - r||_2}, {@code relative = absolute / ||r||_2} (not finite for r = 0). */
    public record Parameter(double absolute, double relative) {
    }

    public WeightDivergence {
        perParameter = Collections.unmodifiableMap(new LinkedHashMap<>(perParameter));
    }

    /** The divergence between two sets of weights with the same names and shapes. */
    public static WeightDivergence between(Map<String, Tensor> policy, Map<String, Tensor> reference) {
        Accumulator acc = new Accumulator();
        for (Map.Entry<String, Tensor> e : policy.entrySet()) {
            Tensor r = reference.get(e.getKey());
            if (r == null) {
                throw new IllegalArgumentException("WeightDivergence: the reference has no parameter '" + e.getKey() + "'");
            }
            acc.add(e.getKey(), e.getValue(), r);
        }
        if (reference.size() != policy.size()) {
            throw new IllegalArgumentException("WeightDivergence: the reference has " + reference.size() + " parameters, the policy "
                    + policy.size());
        }
        return acc.result();
    }

    /** Sums parameter by parameter, for references whose weights are read one tensor at a time. */
    static final class Accumulator {
        private final Map<String, Parameter> perParameter = new LinkedHashMap<>();
        private double squaredDifference;
        private double squaredReference;

        void add(String name, Tensor p, Tensor r) {
            if (!Arrays.equals(p.shape(), r.shape())) {
                throw new ShapeException("WeightDivergence: parameter '" + name + "' is " + Masked.str(p.shape()) + " in the policy and "
                        + Masked.str(r.shape()) + " in the reference");
            }
            double diff2;
            double ref2;
            try (NoGrad ng = NoGrad.enter(); Arena a = Arena.open()) {
                Tensor r64 = r.to(DType.FLOAT64);                                             // (...)
                Tensor d = p.to(DType.FLOAT64).sub(r64);                                      // (...)
                diff2 = d.mul(d).sum().item();
                ref2 = r64.mul(r64).sum().item();
            }
            perParameter.put(name, new Parameter(Math.sqrt(diff2), Math.sqrt(diff2) / Math.sqrt(ref2)));
            squaredDifference += diff2;
            squaredReference += ref2;
        }

        WeightDivergence result() {
            double abs = Math.sqrt(squaredDifference);
            return new WeightDivergence(perParameter, abs, abs / Math.sqrt(squaredReference));
        }
    }
}
