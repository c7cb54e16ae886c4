package dev.rlhf4j.rlhf.kl;

/** A constant KL coefficient: {@code beta_{k+1} = beta_k}. */
public record FixedKlController(double beta) implements KlController {
    public FixedKlController {
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("KL coefficient must be finite and >= 0, got " + beta);
        }
    }

    /** TRL's {@code PPOConfig.kl_coef} default, 0.05. */
    public static FixedKlController trlDefaults() {
        return new FixedKlController(0.05);
    }

    @Override
    public FixedKlController update(double observedKl, long steps) {
        return this;
    }
}
