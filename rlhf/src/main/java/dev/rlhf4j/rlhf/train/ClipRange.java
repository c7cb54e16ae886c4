package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import java.io.Serializable;

/**
 * The trust region of a group trainer's policy ratio, {@code clip(ratio, 1 - epsilon, 1 + epsilonHigh)}, under TRL's
 * names.
 *
 * @param epsilon     {@code epsilon}: the lower clip range
 * @param epsilonHigh {@code epsilon_high}: the upper clip range (DAPO's clip-higher); unset: epsilon
 */
public record ClipRange(double epsilon, Double epsilonHigh) implements Serializable {

    public ClipRange {
        require(epsilon > 0 && epsilon < 1, "ClipRange", "epsilon must be in (0, 1), got " + epsilon);
        require(epsilonHigh == null || epsilonHigh > 0, "ClipRange", "epsilon_high must be > 0 or unset, got " + epsilonHigh);
    }

    /** TRL's default: 0.2 on both sides. */
    public static ClipRange trl() {
        return new ClipRange(0.2, null);
    }

    /** The upper clip range: epsilon_high, or epsilon when unset. */
    public double clipHigh() {
        return epsilonHigh != null ? epsilonHigh : epsilon;
    }
}
