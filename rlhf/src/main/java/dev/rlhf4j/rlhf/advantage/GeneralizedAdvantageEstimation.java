package dev.rlhf4j.rlhf.advantage;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;
import java.util.Arrays;

/**
 * Generalized Advantage Estimation (Schulman et al., "High-Dimensional Continuous Control Using Generalized
 * Advantage Estimation", 2016):
 * <pre>
 *   delta_t = r_t + gamma_t V_{t+1} - V_t
 *   A_t     = delta_t + gamma_t lambda A_{t+1},      A_T = 0
 *   R_t     = A_t + V_t                              (the value targets, "returns")
 * </pre>
 * At lambda = 1, A_t is the discounted return sum_k (prod gamma) r_k (+ bootstrap) minus V_t; at lambda = 0 it is
 * the one-step TD error.
 *
 * <p>{@link #estimate} is TRL's PPO convention on a padded (B, T) batch: constant gamma, rewards and values
 * zeroed where the mask is 0, V_T = 0 beyond the last position. A right-padded or left-prompted completion
 * therefore ends at its last unmasked token (V after it is 0, nothing flows back from padding), and a masked
 * position inside a row acts as a step with zero reward and zero value. Masked outputs are 0. (TRL keeps one
 * extra value past the last token with its {@code padding_mask_p1}; here one mask selects both rewards and values,
 * so a completion's value targets end at its last selected token, which should be its EOS.)
 * The recursion is {@link #truncated}, rlax's {@code truncated_generalized_advantage_estimation}: per-step discounts
 * gamma_t = gamma (1 - done_t) and T+1 values whose last one bootstraps; {@link #estimate} gives it gamma_t = gamma and
 * V_T = 0.
 *
 * <p>The recursion runs backwards over T on the host, one double[] row at a time: O(B T), and exact in float64.
 * Advantages are targets, not functions to differentiate: results are detached, in the rewards' compute type.
 *
 * @param gamma  discount per step
 * @param lambda the bias/variance trade-off: 0 = TD(0), 1 = Monte Carlo
 */
public record GeneralizedAdvantageEstimation(double gamma, double lambda) {
    public GeneralizedAdvantageEstimation {
        if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("GAE needs gamma and lambda in [0, 1], got gamma " + gamma + ", lambda " + lambda);
        }
    }

    /** TRL's PPO defaults: gamma 1, lambda 0.95. */
    public static GeneralizedAdvantageEstimation trlDefaults() {
        return new GeneralizedAdvantageEstimation(1.0, 0.95);
    }

    /**
     * @param advantages A_t, 0 where masked  (B, T)
     * @param returns    A_t + V_t, 0 where masked  (B, T)
     */
    public record Advantages(Tensor advantages, Tensor returns) {
    }

    /**
     * TRL-style GAE on a padded batch.
     *
     * @param rewards per-token rewards (e.g. {@code RewardShaping}'s)  (B, T)
     * @param values  the value head's V_t                              (B, T)
     * @param mask    float 0/1                                         (B, T)
     */
    public Advantages estimate(Tensor rewards, Tensor values, Tensor mask) {
        Masked.check("GAE rewards", rewards, mask);
        Masked.check("GAE values", values, mask);
        int b = (int) rewards.size(0);
        int t = (int) rewards.size(1);
        double[] m = mask.toDoubleArray();
        double[] r = zeroMasked(rewards.toDoubleArray(), m);
        double[] v = zeroMasked(values.toDoubleArray(), m);
        double[] discounts = new double[b * t];
        Arrays.fill(discounts, gamma);
        double[] bootstrapped = new double[b * (t + 1)];
        for (int i = 0; i < b; i++) {
            System.arraycopy(v, i * t, bootstrapped, i * (t + 1), t);                       // V_T = 0
        }
        double[] adv = truncated(r, discounts, bootstrapped, lambda, b, t);
        double[] ret = new double[b * t];
        for (int k = 0; k < adv.length; k++) {
            adv[k] *= m[k] != 0 ? 1 : 0;
            ret[k] = m[k] != 0 ? adv[k] + v[k] : 0;
        }
        DType type = rewards.dtype().computeType();
        return new Advantages(Tensor.of(adv, type, b, t), Tensor.of(ret, type, b, t));
    }

    /**
     * rlax's {@code truncated_generalized_advantage_estimation}, the backward recursion itself, on row-major arrays.
     *
     * @param r         r_t                          (B, T)
     * @param discounts gamma_t = gamma (1 - done_t)  (B, T)
     * @param v         V_0 .. V_T, V_T bootstraps    (B, T+1)
     * @return A_t  (B, T)
     */
    public static double[] truncated(double[] r, double[] discounts, double[] v, double lambda, int b, int t) {
        if (r.length != b * t || discounts.length != b * t || v.length != b * (t + 1)) {
            throw new ShapeException("GAE.truncated: expected rewards and discounts of " + b + " x " + t + " and values of " + b
                    + " x " + (t + 1) + ", got " + r.length + ", " + discounts.length + " and " + v.length);
        }
        double[] adv = new double[b * t];
        for (int i = 0; i < b; i++) {
            double next = 0;                                                                // A_{t+1}
            for (int s = t - 1; s >= 0; s--) {
                int k = i * t + s;
                double g = discounts[k];
                double delta = r[k] + g * v[i * (t + 1) + s + 1] - v[i * (t + 1) + s];
                next = delta + g * lambda * next;
                adv[k] = next;
            }
        }
        return adv;
    }

    private static double[] zeroMasked(double[] x, double[] m) {
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            out[k] = m[k] != 0 ? x[k] : 0;
        }
        return out;
    }
}
