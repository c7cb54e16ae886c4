package dev.rlhf4j.rlhf.ppo;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.Masked;

/**
 * The scalars TRL logs for a PPO minibatch, each over the selected tokens (r = logp - logp_old, rho = e^r):
 * <pre>
 *   approxKl          = 0.5 masked_mean(r^2)                      (k2 of old vs new; TRL "policy/approxkl_avg")
 *   policyKl          = masked_mean(-r)                           (k1 estimate of KL(old || new))
 *   clipFraction      = masked_mean[-A clip(rho) > -A rho]        (TRL "policy/clipfrac_avg")
 *   ratioMean         = masked_mean(rho)                          (TRL "val/ratio")
 *   ratioVariance     = masked_var(rho), unbiased                 (TRL "val/ratio_var")
 *   explainedVariance = 1 - masked_var(R - V) / masked_var(R)     (1: values predict returns exactly; <= 0: no better than their mean)
 * </pre>
 * Computed without a graph; every value is a plain double.
 */
public record PpoDiagnostics(double approxKl, double policyKl, double clipFraction, double ratioMean, double ratioVariance,
                             double explainedVariance) {

    /**
     * @param logp       current log-probs of the taken tokens  (B, T)
     * @param oldLogp    log-probs at sampling time             (B, T)
     * @param advantages A_t                                    (B, T)
     * @param values     value predictions V_t                  (B, T)
     * @param returns    value targets R_t                      (B, T)
     * @param mask       float 0/1                              (B, T)
     * @param epsilon    the policy clip range
     */
    public static PpoDiagnostics of(Tensor logp, Tensor oldLogp, Tensor advantages, Tensor values, Tensor returns, Tensor mask,
                                    double epsilon) {
        ClippedSurrogateLoss.checkSameShape("PpoDiagnostics", logp, oldLogp, advantages);
        ClippedSurrogateLoss.checkSameShape("PpoDiagnostics", logp, values, returns);
        Masked.check("PpoDiagnostics", logp, mask);
        try (var noGrad = NoGrad.enter()) {
            Tensor r = Masked.fill(logp.sub(oldLogp), mask);                                // (B, T)
            Tensor ratio = r.exp();                                                        // (B, T)
            double approxKl = Masked.mean(r.mul(r), mask).item() * 0.5;
            double policyKl = -Masked.mean(r, mask).item();
            double clipFraction = new ClippedSurrogateLoss(epsilon).compute(logp, oldLogp, advantages, mask).clipFraction();
            double ratioMean = Masked.mean(ratio, mask).item();
            double ratioVariance = Masked.variance(ratio, mask, true).item();
            Tensor residual = Masked.fill(returns.sub(values), mask);                      // (B, T)
            double explained = 1.0 - Masked.variance(residual, mask, true).item() / Masked.variance(returns, mask, true).item();
            return new PpoDiagnostics(approxKl, policyKl, clipFraction, ratioMean, ratioVariance, explained);
        }
    }
}
