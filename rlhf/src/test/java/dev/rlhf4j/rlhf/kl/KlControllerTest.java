package dev.rlhf4j.rlhf.kl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Ziegler et al.'s proportional controller against its closed form; the fixed controller never moves. */
class KlControllerTest {
    @Test
    void adaptiveStepsMatchTheHandComputedValues() {
        AdaptiveKlController c = AdaptiveKlController.trlDefaults();                        // beta 0.2, target 6, horizon 10000
        assertEquals(0.2, c.update(6.0, 256).beta(), 1e-15);                              // on target: no change
        assertEquals(0.2 * (1 + 0.2 * 256 / 10000.0), c.update(60.0, 256).beta(), 1e-15);   // error clipped to +0.2
        assertEquals(0.2 * (1 - 0.2 * 256 / 10000.0), c.update(0.0, 256).beta(), 1e-15);    // error clipped to -0.2
        assertEquals(0.2 * (1 + (6.6 / 6 - 1) * 512 / 10000.0), c.update(6.6, 512).beta(), 1e-15);
    }

    @Property(tries = 50)
    void adaptiveUpdateIsTheClippedProportionalRule(@ForAll @DoubleRange(min = 0, max = 30) double kl,
                                                    @ForAll @LongRange(min = 1, max = 5000) long n,
                                                    @ForAll @DoubleRange(min = 0.01, max = 1) double beta) {
        AdaptiveKlController c = new AdaptiveKlController(beta, 6.0, 10_000);
        double error = kl / 6.0 - 1;
        double clipped = error > 0.2 ? 0.2 : error < -0.2 ? -0.2 : error;
        AdaptiveKlController next = c.update(kl, n);
        assertEquals(beta * (1 + clipped * n / 10_000.0), next.beta(), 1e-15);
        assertEquals(6.0, next.target());
        assertEquals(beta, c.beta(), "controllers are immutable");
    }

    @Test
    void fixedControllerIgnoresObservations() {
        FixedKlController c = new FixedKlController(0.05);
        assertSame(c, c.update(100.0, 1000));
        assertEquals(0.05, c.update(0.0, 1).beta());
    }
}
