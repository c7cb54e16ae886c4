package dev.rlhf4j.rlhf.kl;

/**
 * The adaptive KL coefficient of Ziegler et al., "Fine-Tuning Language Models from Human Preferences" (2019),
 * which steers the observed KL towards a target with a proportional controller:
 * <pre>
 *   e_t       = clip(KL_t / target - 1, -0.2, 0.2)
 *   beta_{t+1} = beta_t (1 + e_t n / horizon)        n = samples in the batch
 * </pre>
 *
 * @param beta    the current coefficient
 * @param target  the KL the controller aims for (nats per sequence)
 * @param horizon samples over which a full proportional correction is applied
 */
public record AdaptiveKlController(double beta, double target, double horizon) implements KlController {
    /** Largest relative error the controller reacts to, in either direction. */
    public static final double ERROR_CLIP = 0.2;

    public AdaptiveKlController {
        if (!(beta >= 0) || !(target > 0) || !(horizon > 0)) {
            throw new IllegalArgumentException("adaptive KL controller needs beta >= 0, target > 0 and horizon > 0, got beta "
                    + beta + ", target " + target + ", horizon " + horizon);
        }
    }

    /** TRL's legacy {@code PPOConfig} defaults: init_kl_coef 0.2, target 6, horizon 10000. */
    public static AdaptiveKlController trlDefaults() {
        return new AdaptiveKlController(0.2, 6.0, 10_000.0);
    }

    @Override
    public AdaptiveKlController update(double observedKl, long steps) {
        double error = Math.max(-ERROR_CLIP, Math.min(ERROR_CLIP, observedKl / target - 1.0));
        double multiplier = 1.0 + error * steps / horizon;
        return new AdaptiveKlController(beta * multiplier, target, horizon);
    }
}
