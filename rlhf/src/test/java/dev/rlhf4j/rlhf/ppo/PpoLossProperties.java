package dev.rlhf4j.rlhf.ppo;

import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.completionMask;
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
import dev.rlhf4j.rlhf.logprob.TokenEntropy;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

/** PPO's clipped surrogate, clipped value loss and entropy bonus against host formulas and finite differences. */
class PpoLossProperties {
    private static final int B = 3;
    private static final int T = 6;

    @Property(tries = 40)
    void surrogateValueAndGradientMatchTheHostFormula(@ForAll @DoubleRange(min = 0.05, max = 0.4) double eps, @ForAll long seed) {
        Random random = new Random(seed);
        double[] logp = uniform(B * T, -3, 0, random);
        double[] old = new double[B * T];
        for (int i = 0; i < old.length; i++) {
            old[i] = logp[i] + (random.nextDouble() - 0.5);          // ratios spread across both sides of the clip
        }
        double[] adv = uniform(B * T, -2, 2, random);
        double[] m = completionMask(B, T, random);
        try (Arena arena = Arena.open()) {
            Tensor lp = variable(logp, B, T);
            var out = new ClippedSurrogateLoss(eps).compute(lp, t64(old, B, T), t64(adv, B, T), t64(m, B, T));
            out.loss().backward();
            double[] grad = lp.grad().toDoubleArray();
            double n = 0;
            for (double x : m) {
                n += x;
            }
            double loss = 0;
            double clipped = 0;
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    assertEquals(0.0, grad[i], 0.0);
                    continue;
                }
                double ratio = Math.exp(logp[i] - old[i]);
                double unclippedTerm = -adv[i] * ratio;
                double clippedTerm = -adv[i] * Math.max(1 - eps, Math.min(1 + eps, ratio));
                loss += Math.max(unclippedTerm, clippedTerm) / n;
                clipped += clippedTerm > unclippedTerm ? 1 / n : 0;
                boolean unhelpful = (adv[i] > 0 && ratio > 1 + eps) || (adv[i] < 0 && ratio < 1 - eps);
                // d/dlogp of -A rho is -A rho; once clipped in the unhelpful direction it is exactly 0
                assertEquals(unhelpful ? 0.0 : -adv[i] * ratio / n, grad[i], unhelpful ? 0.0 : 1e-12, "gradient at " + i + (unhelpful ? " (clipped)" : ""));
            }
            assertEquals(loss, out.loss().item(), 1e-12);
            assertEquals(clipped, out.clipFraction(), 1e-12);
        }
    }

    @Property(tries = 40)
    void valueLossMatchesTheHostFormula(@ForAll @DoubleRange(min = 0.05, max = 0.5) double c, @ForAll long seed) {
        Random random = new Random(seed);
        double[] v = uniform(B * T, -2, 2, random);
        double[] old = uniform(B * T, -2, 2, random);
        double[] ret = uniform(B * T, -2, 2, random);
        double[] m = completionMask(B, T, random);
        try (Arena arena = Arena.open()) {
            var out = new ClippedValueLoss(c).compute(t64(v, B, T), t64(old, B, T), t64(ret, B, T), t64(m, B, T));
            double n = 0;
            double sum = 0;
            double clipped = 0;
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    continue;
                }
                n++;
                double vc = old[i] + Math.max(-c, Math.min(c, v[i] - old[i]));
                double a = (v[i] - ret[i]) * (v[i] - ret[i]);
                double b = (vc - ret[i]) * (vc - ret[i]);
                sum += Math.max(a, b);
                clipped += b > a ? 1 : 0;
            }
            assertEquals(0.5 * sum / n, out.loss().item(), 1e-12);
            assertEquals(clipped / n, out.clipFraction(), 1e-12);
        }
    }

    @Property(tries = 30)
    void maskedPositionsNeverChangeAnyLoss(@ForAll long seed) {
        Random random = new Random(seed);
        double[] logp = uniform(B * T, -3, 0, random);
        double[] old = uniform(B * T, -3, 0, random);
        double[] adv = uniform(B * T, -2, 2, random);
        double[] ent = uniform(B * T, 0, 3, random);
        double[] m = completionMask(B, T, random);
        try (Arena arena = Arena.open()) {
            Tensor mask = t64(m, B, T);
            ClippedSurrogateLoss pg = new ClippedSurrogateLoss(0.2);
            ClippedValueLoss vf = new ClippedValueLoss(0.2);
            EntropyBonus bonus = new EntropyBonus(0.01);
            double[] logp2 = scrambleMasked(logp, m, random);
            double[] old2 = scrambleMasked(old, m, random);
            double[] adv2 = scrambleMasked(adv, m, random);
            assertEquals(pg.compute(t64(logp, B, T), t64(old, B, T), t64(adv, B, T), mask).loss().item(),
                    pg.compute(t64(logp2, B, T), t64(old2, B, T), t64(adv2, B, T), mask).loss().item(), 0.0);
            assertEquals(vf.compute(t64(logp, B, T), t64(old, B, T), t64(adv, B, T), mask).loss().item(),
                    vf.compute(t64(logp2, B, T), t64(old2, B, T), t64(adv2, B, T), mask).loss().item(), 0.0);
            assertEquals(bonus.loss(t64(ent, B, T), mask).item(), bonus.loss(t64(scrambleMasked(ent, m, random), B, T), mask).item(), 0.0);
        }
    }

    @Test
    void entropyBonusIsMinusCoefficientTimesMaskedMeanEntropy() {
        try (Arena arena = Arena.open()) {
            Tensor h = t64(new double[] {9, 1.0, 2.0, 9, 0.5, 9}, 2, 3);
            Tensor mask = t64(new double[] {0, 1, 1, 0, 1, 0}, 2, 3);
            assertEquals(-0.01 * 3.5 / 3, new EntropyBonus(0.01).loss(h, mask).item(), 1e-15);
        }
    }

    @Property(tries = 2)
    void gradientsMatchFiniteDifferences(@ForAll long seed) {
        Random random = new Random(seed);
        Tensor mask = t64(new double[] {0, 1, 1, 1, 1, 0}, 2, 3);
        Tensor logp = variable(uniform(6, -2, 0, random), 2, 3);
        Tensor old = t64(uniform(6, -2, 0, random), 2, 3);
        Tensor adv = t64(uniform(6, -1, 1, random), 2, 3);
        assertGradientMatches(x -> new ClippedSurrogateLoss(0.2).compute(x[0], old, adv, mask).loss(), logp);
        Tensor values = variable(uniform(6, -1, 1, random), 2, 3);
        Tensor oldValues = t64(uniform(6, -1, 1, random), 2, 3);
        Tensor returns = t64(uniform(6, -1, 1, random), 2, 3);
        assertGradientMatches(x -> new ClippedValueLoss(0.2).compute(x[0], oldValues, returns, mask).loss(), values);
        Tensor logits = variable(uniform(2 * 4 * 3, -2, 2, random), 2, 4, 3);
        Tensor completion = t64(new double[] {0, 1, 1, 1, 1, 0}, 2, 3);
        assertGradientMatches(x -> new EntropyBonus(0.1).loss(TokenEntropy.of(x[0], completion, 1.0), completion), logits);
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
        PpoConfig c = PpoConfig.trlDefaults();
        assertEquals(0.2, c.policyLoss().epsilon());
        assertEquals(0.2, c.valueLoss().clipRange());
        assertEquals(0.95, c.gae().lambda());
        assertEquals(1.0, c.gae().gamma());
        assertEquals(0.05, c.klController().update(100.0, 64).beta(), "TRL's coefficient is fixed");
        assertEquals(0.2 * (1 + 0.2 * 64 / 10_000.0), PpoConfig.ziegler().klController().update(100.0, 64).beta(), 1e-15);
    }
}
