package dev.rlhf4j.rlhf.ppo;

import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.anyMask;
import static dev.rlhf4j.rlhf.Batches.count;
import static dev.rlhf4j.rlhf.Batches.scrambleMasked;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static dev.rlhf4j.rlhf.Batches.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** PPO's clipped surrogate, clipped value loss and entropy bonus against host formulas and finite differences. */
class PpoLossProperties {
    @Property(tries = 40)
    void surrogateValueAndGradientMatchTheHostFormula(@ForAll @DoubleRange(min = 0.05, max = 0.4) double eps,
                                                       @ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t,
                                                       @ForAll long seed) {
        Random random = new Random(seed);
        double[] logp = uniform(b * t, -3, 0, random);
        double[] old = new double[b * t];
        for (int i = 0; i < old.length; i++) {
            old[i] = logp[i] + (random.nextDouble() - 0.5);          // ratios spread across both sides of the clip
        }
        double[] adv = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        try (Arena arena = Arena.open()) {
            Tensor lp = variable(logp, b, t);
            var out = new ClippedSurrogateLoss(eps).compute(lp, t64(old, b, t), t64(adv, b, t), t64(m, b, t));
            out.loss().backward();
            assertSurrogateGradient(eps, logp, old, adv, m, lp.grad().toDoubleArray());
            double n = count(m);
            double loss = 0;
            double clipped = 0;
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    continue;
                }
                double ratio = Math.exp(logp[i] - old[i]);
                double unclippedTerm = -adv[i] * ratio;
                double clippedTerm = -adv[i] * Math.max(1 - eps, Math.min(1 + eps, ratio));
                loss += Math.max(unclippedTerm, clippedTerm) / n;
                clipped += clippedTerm > unclippedTerm ? 1 / n : 0;
            }
            assertEquals(loss, out.loss().item(), 1e-12);
            assertEquals(clipped, out.clipFraction(), 1e-12);
        }
    }

    /**
     * The surrogate's gradient with respect to logp, on the host: d/dlogp of -A rho is -A rho, so -A rho / n on
     * a selected token inside the clip range or clipped in the helpful direction; exactly 0 once clipped in the
     * unhelpful direction (A > 0 and rho > 1 + eps, or A < 0 and rho < 1 - eps) and on masked tokens.
     */
    private static void assertSurrogateGradient(double eps, double[] logp, double[] old, double[] adv, double[] m, double[] grad) {
        double n = count(m);
        for (int i = 0; i < m.length; i++) {
            if (m[i] == 0) {
                assertEquals(0.0, grad[i], 0.0, "gradient at masked " + i);
                continue;
            }
            double ratio = Math.exp(logp[i] - old[i]);
            boolean unhelpful = (adv[i] > 0 && ratio > 1 + eps) || (adv[i] < 0 && ratio < 1 - eps);
            assertEquals(unhelpful ? 0.0 : -adv[i] * ratio / n, grad[i], unhelpful ? 0.0 : 1e-12,
                    "gradient at " + i + (unhelpful ? " (clipped)" : ""));
        }
    }

    /**
     * At rollout time the old log-probs and the advantages are computed from the same parameters as the current
     * log-probs; if they reach the loss still attached to that graph, the loss must treat them as constants.
     * Here logp is a leaf theta, logp_old = theta - s and A = a1 theta + a0 are functions of it, and the gradient
     * must still be the formula's (without the detach of logp_old the ratio would be the constant e^s and the
     * gradient 0; without the detach of A it would gain a1 times the clipped objective).
     */
    @Property(tries = 30)
    void surrogateTreatsOldLogProbsAndAdvantagesFromTheSameGraphAsConstants(@ForAll @DoubleRange(min = 0.05, max = 0.4) double eps,
            @ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t, @ForAll long seed) {
        Random random = new Random(seed);
        double[] theta = uniform(b * t, -3, 0, random);
        double[] shift = uniform(b * t, -0.5, 0.5, random);
        double[] a1 = uniform(b * t, -1, 1, random);
        double[] a0 = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        double[] old = new double[b * t];
        double[] adv = new double[b * t];
        for (int i = 0; i < old.length; i++) {
            old[i] = theta[i] - shift[i];
            adv[i] = a1[i] * theta[i] + a0[i];
        }
        try (Arena arena = Arena.open()) {
            Tensor logp = variable(theta, b, t);                                                   // (B, T)
            Tensor oldLogp = logp.sub(t64(shift, b, t));                                           // (B, T), in the graph
            Tensor advantages = logp.mul(t64(a1, b, t)).add(t64(a0, b, t));                        // (B, T), in the graph
            new ClippedSurrogateLoss(eps).compute(logp, oldLogp, advantages, t64(m, b, t)).loss().backward();
            assertSurrogateGradient(eps, theta, old, adv, m, logp.grad().toDoubleArray());
        }
    }

    /**
     * The same for the value loss: V_old = phi - s and R = c1 phi + c0 are functions of the current values phi.
     * With both constant, dL/dV = (V - R) / n where the unclipped error is the larger, (V_clip - R) / n where the
     * clipped one is and |V - V_old| < c, and 0 where it is and V - V_old lies outside [-c, c].
     */
    @Property(tries = 30)
    void valueLossTreatsOldValuesAndReturnsFromTheSameGraphAsConstants(@ForAll @DoubleRange(min = 0.05, max = 0.5) double c,
            @ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t, @ForAll long seed) {
        Random random = new Random(seed);
        double[] phi = uniform(b * t, -2, 2, random);
        double[] shift = uniform(b * t, -1, 1, random);
        double[] c1 = uniform(b * t, -1, 1, random);
        double[] c0 = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        try (Arena arena = Arena.open()) {
            Tensor values = variable(phi, b, t);                                                   // (B, T)
            Tensor oldValues = values.sub(t64(shift, b, t));                                       // (B, T), in the graph
            Tensor returns = values.mul(t64(c1, b, t)).add(t64(c0, b, t));                         // (B, T), in the graph
            new ClippedValueLoss(c).compute(values, oldValues, returns, t64(m, b, t)).loss().backward();
            double[] grad = values.grad().toDoubleArray();
            double n = count(m);
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    assertEquals(0.0, grad[i], 0.0, "gradient at masked " + i);
                    continue;
                }
                double v = phi[i];
                double old = v - shift[i];
                double ret = c1[i] * v + c0[i];
                double vc = old + Math.max(-c, Math.min(c, v - old));
                double err = (v - ret) * (v - ret);
                double errClipped = (vc - ret) * (vc - ret);
                double expected = err >= errClipped ? (v - ret) / n : (Math.abs(shift[i]) < c ? (vc - ret) / n : 0.0);
                assertEquals(expected, grad[i], 1e-12, "gradient at " + i);
            }
        }
    }

    @Property(tries = 40)
    void valueLossMatchesTheHostFormula(@ForAll @DoubleRange(min = 0.05, max = 0.5) double c, @ForAll @IntRange(min = 1, max = 4) int b,
                                        @ForAll @IntRange(min = 1, max = 7) int t, @ForAll long seed) {
        Random random = new Random(seed);
        double[] v = uniform(b * t, -2, 2, random);
        double[] old = uniform(b * t, -2, 2, random);
        double[] ret = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        try (Arena arena = Arena.open()) {
            var out = new ClippedValueLoss(c).compute(t64(v, b, t), t64(old, b, t), t64(ret, b, t), t64(m, b, t));
            double n = 0;
            double sum = 0;
            double clipped = 0;
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    continue;
                }
                n++;
                double vc = old[i] + Math.max(-c, Math.min(c, v[i] - old[i]));
                double err = (v[i] - ret[i]) * (v[i] - ret[i]);
                double errClipped = (vc - ret[i]) * (vc - ret[i]);
                sum += Math.max(err, errClipped);
                clipped += errClipped > err ? 1 : 0;
            }
            assertEquals(0.5 * sum / n, out.loss().item(), 1e-12);
            assertEquals(clipped / n, out.clipFraction(), 1e-12);
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyLoss(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 7) int t,
                                           @ForAll long seed) {
        Random random = new Random(seed);
        double[] logp = uniform(b * t, -3, 0, random);
        double[] old = uniform(b * t, -3, 0, random);
        double[] adv = uniform(b * t, -2, 2, random);
        double[] m = anyMask(b, t, random);
        try (Arena arena = Arena.open()) {
            Tensor mask = t64(m, b, t);
            ClippedSurrogateLoss pg = new ClippedSurrogateLoss(0.2);
            ClippedValueLoss vf = new ClippedValueLoss(0.2);
            double[] logp2 = scrambleMasked(logp, m, random);
            double[] old2 = scrambleMasked(old, m, random);
            double[] adv2 = scrambleMasked(adv, m, random);
            assertEquals(pg.compute(t64(logp, b, t), t64(old, b, t), t64(adv, b, t), mask).loss().item(),
                    pg.compute(t64(logp2, b, t), t64(old2, b, t), t64(adv2, b, t), mask).loss().item(), 0.0);
            assertEquals(vf.compute(t64(logp, b, t), t64(old, b, t), t64(adv, b, t), mask).loss().item(),
                    vf.compute(t64(logp2, b, t), t64(old2, b, t), t64(adv2, b, t), mask).loss().item(), 0.0);
        }
    }

    /** Each finite-difference element costs two forward passes, so the shapes stay small; the masks are arbitrary. */
    @Property(tries = 15)
    void gradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 4) int t,
                                         @ForAll @DoubleRange(min = 0.05, max = 0.5) double clip, @ForAll long seed) {
        Random random = new Random(seed);
        Tensor mask = t64(anyMask(b, t, random), b, t);
        Tensor logp = variable(uniform(b * t, -2, 0, random), b, t);
        Tensor old = t64(uniform(b * t, -2, 0, random), b, t);
        Tensor adv = t64(uniform(b * t, -1, 1, random), b, t);
        assertGradientMatches(x -> new ClippedSurrogateLoss(clip).compute(x[0], old, adv, mask).loss(), logp);
        Tensor values = variable(uniform(b * t, -1, 1, random), b, t);
        Tensor oldValues = t64(uniform(b * t, -1, 1, random), b, t);
        Tensor returns = t64(uniform(b * t, -1, 1, random), b, t);
        assertGradientMatches(x -> new ClippedValueLoss(clip).compute(x[0], oldValues, returns, mask).loss(), values);
    }

    @Test
    void diagnosticsMatchHandComputedValues() {
        double[] logp = {-1.0, -2.0, -0.5, -3.0};
        double[] old = {-1.1, -1.5, -0.5, -9.0};
        double[] adv = {1.0, -1.0, 0.5, 7.0};
        double[] values = {0.5, 0.0, 1.0, 4.0};
        double[] returns = {1.0, -1.0, 2.0, -5.0};
        double[] m = {1, 1, 1, 0};
        try (Arena arena = Arena.open()) {
            PpoDiagnostics d = PpoDiagnostics.of(t64(logp, 2, 2), t64(old, 2, 2), t64(adv, 2, 2), t64(values, 2, 2),
                    t64(returns, 2, 2), t64(m, 2, 2), 0.2);
            double[] r = {0.1, -0.5, 0.0};
            double[] rho = {Math.exp(0.1), Math.exp(-0.5), 1.0};
            assertEquals(0.5 * (0.01 + 0.25 + 0) / 3, d.approxKl(), 1e-15);
            assertEquals(-(r[0] + r[1] + r[2]) / 3, d.policyKl(), 1e-15);
            // token 1: A < 0 and rho = e^-0.5 < 0.8, so -A clip(rho) = 0.8 > -A rho: clipped; tokens 0 and 2 are inside the range
            assertEquals(1.0 / 3, d.clipFraction(), 1e-15);
            double mean = (rho[0] + rho[1] + rho[2]) / 3;
            assertEquals(mean, d.ratioMean(), 1e-15);
            double var = 0;
            for (double x : rho) {
                var += (x - mean) * (x - mean) / 2;
            }
            assertEquals(var, d.ratioVariance(), 1e-15);
            double[] residual = {0.5, -1.0, 1.0};
            double[] ret = {1.0, -1.0, 2.0};
            assertEquals(1 - variance(residual) / variance(ret), d.explainedVariance(), 1e-14);
        }
    }

    private static double variance(double[] x) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double s = 0;
        for (double v : x) {
            s += (v - mean) * (v - mean) / (x.length - 1);
        }
        return s;
    }

    @Test
    void shapeMismatchIsRejected() {
        try (Arena arena = Arena.open()) {
            Tensor a = Tensor.zeros(DType.FLOAT64, 2, 3);
            ShapeException e = assertThrows(ShapeException.class, () -> new ClippedSurrogateLoss(0.2).compute(a, a,
                    Tensor.zeros(DType.FLOAT64, 3, 2), Tensor.ones(DType.FLOAT64, 2, 3)));
            assertEquals(true, e.getMessage().contains("[3,2]"), e.getMessage());
            assertThrows(ShapeException.class, () -> new ClippedValueLoss(0.2).compute(a, a, a, Tensor.ones(DType.FLOAT64, 2, 4)));
        }
    }

    @Test
    void trlPresetBuildsTheConfiguredObjects() {
        PpoTrainerConfig c = PpoTrainerConfig.trlDefaults();
        assertEquals(0.2, c.loss().policyLoss().epsilon());
        assertEquals(0.2, c.loss().valueLoss().clipRange());
        assertEquals(0.95, c.loss().gae().lambda());
        assertEquals(1.0, c.loss().gae().gamma());
        assertEquals(0.05, c.kl().controller().update(100.0, 64).beta(), "TRL's coefficient is fixed");
        // Ziegler et al. (2019) as in TRL's legacy trainer: adaptive beta from 0.2 towards KL 6 over 10000 samples
        PpoTrainerConfig ziegler = c.toBuilder().klCoef(0.2).adaptiveKlTarget(6.0).build();
        assertEquals(0.2 * (1 + 0.2 * 64 / 10_000.0), ziegler.kl().controller().update(100.0, 64).beta(), 1e-15);
    }
}
