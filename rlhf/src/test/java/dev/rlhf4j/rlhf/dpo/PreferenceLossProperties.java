package dev.rlhf4j.rlhf.dpo;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Batches.assertGradientMatches;
import static dev.rlhf4j.rlhf.Batches.t64;
import static dev.rlhf4j.rlhf.Batches.uniform;
import static dev.rlhf4j.rlhf.Batches.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The DPO family against each paper's formula on the host, the ln 2 and swap identities, and finite differences. */
class PreferenceLossProperties {
    private static final int B = 6;

    /** -log sigmoid(x) = log(1 + e^-x), stable on both sides. */
    private static double nls(double x) {
        return x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    }

    private record Batch(double[] pc, double[] pr, double[] rc, double[] rr) {
        PreferenceLogProbs tensors() {
            return new PreferenceLogProbs(t64(pc, B), t64(pr, B), t64(rc, B), t64(rr, B));
        }

        double delta(int i) {
            return (pc[i] - rc[i]) - (pr[i] - rr[i]);
        }
    }

    private static Batch batch(long seed) {
        Random random = new Random(seed);
        return new Batch(uniform(B, -60, -1, random), uniform(B, -60, -1, random), uniform(B, -60, -1, random),
                uniform(B, -60, -1, random));
    }

    private static void assertPerPair(PreferenceLoss loss, Batch b, DoubleUnaryOperator formula) {
        double[] expected = new double[B];
        double mean = 0;
        for (int i = 0; i < B; i++) {
            expected[i] = formula.applyAsDouble(b.delta(i));
            mean += expected[i] / B;
        }
        PreferenceOutput out = loss.compute(b.tensors());
        assertClose(expected, out.losses().toDoubleArray(), 1e-12, loss.toString());
        assertEquals(mean, out.loss().item(), 1e-12 * Math.max(1, mean), loss.toString());
    }

    @Property(tries = 30)
    void eachLossIsItsPapersFormula(@ForAll @DoubleRange(min = 0.01, max = 1) double beta,
                                    @ForAll @DoubleRange(min = 0, max = 0.45) double ls, @ForAll long seed) {
        Batch b = batch(seed);
        try (Arena arena = Arena.open()) {
            assertPerPair(new SigmoidDpoLoss(beta, ls), b, d -> (1 - ls) * nls(beta * d) + ls * nls(-beta * d));
            assertPerPair(new IpoLoss(beta), b, d -> (d - 1 / (2 * beta)) * (d - 1 / (2 * beta)));
            assertPerPair(new HingeDpoLoss(beta), b, d -> Math.max(0, 1 - beta * d));
            assertPerPair(new RobustDpoLoss(beta, ls), b, d -> ((1 - ls) * nls(beta * d) - ls * nls(-beta * d)) / (1 - 2 * ls));
            assertPerPair(new SimPoLoss(beta, 0.5, ls), b, d -> (1 - ls) * nls(beta * d - 0.5) + ls * nls(-(beta * d - 0.5)));
        }
    }

    @Property(tries = 30)
    void sigmoidLossIsLn2WhenPolicyEqualsReference(@ForAll @DoubleRange(min = 0.01, max = 2) double beta,
                                                   @ForAll @DoubleRange(min = 0, max = 0.45) double ls, @ForAll long seed) {
        Batch b = batch(seed);
        try (Arena arena = Arena.open()) {
            PreferenceLogProbs same = new PreferenceLogProbs(t64(b.pc, B), t64(b.pr, B), t64(b.pc, B), t64(b.pr, B));
            PreferenceOutput out = new SigmoidDpoLoss(beta, ls).compute(same);
            assertEquals(Math.log(2), out.loss().item(), 1e-15);
            assertEquals(0.0, out.accuracy(), "no pair is preferred when all rewards are 0");
            assertEquals(Math.log(2), new RobustDpoLoss(beta, ls).compute(same).loss().item(), 1e-14);
        }
    }

    /**
     * Swapping chosen and rejected negates the delta. With s = sigmoid: L(d) = -log s(beta d) and
     * L(-d) = -log s(-beta d) = -log(1 - s(beta d)), so e^-L(d) + e^-L(-d) = 1, L(d) - L(-d) = -beta d and
     * L(d) + L(-d) = -log(s (1 - s)) = log(2 + e^(beta d) + e^(-beta d)).
     */
    @Property(tries = 30)
    void sigmoidLossUnderSwapObeysTheLogisticIdentity(@ForAll @DoubleRange(min = 0.01, max = 1) double beta, @ForAll long seed) {
        Batch b = batch(seed);
        try (Arena arena = Arena.open()) {
            SigmoidDpoLoss loss = new SigmoidDpoLoss(beta, 0.0);
            double[] forward = loss.compute(b.tensors()).losses().toDoubleArray();
            double[] swapped = loss.compute(b.tensors().swapped()).losses().toDoubleArray();
            for (int i = 0; i < B; i++) {
                assertEquals(1.0, Math.exp(-forward[i]) + Math.exp(-swapped[i]), 1e-12);
                double x = beta * b.delta(i);
                assertEquals(-x, forward[i] - swapped[i], 1e-12 * Math.max(1, Math.abs(x)));
                assertEquals(Math.log(2 + Math.exp(x) + Math.exp(-x)), forward[i] + swapped[i], 1e-12 * Math.max(1, Math.abs(x)));
            }
        }
    }

    @Property(tries = 30)
    void implicitRewardsMarginsAndAccuracy(@ForAll @DoubleRange(min = 0.01, max = 1) double beta, @ForAll long seed) {
        Batch b = batch(seed);
        try (Arena arena = Arena.open()) {
            PreferenceOutput out = new IpoLoss(beta).compute(b.tensors());
            double[] chosen = new double[B];
            double[] rejected = new double[B];
            double[] margins = new double[B];
            int correct = 0;
            for (int i = 0; i < B; i++) {
                chosen[i] = beta * (b.pc[i] - b.rc[i]);
                rejected[i] = beta * (b.pr[i] - b.rr[i]);
                margins[i] = chosen[i] - rejected[i];
                correct += chosen[i] > rejected[i] ? 1 : 0;
            }
            assertClose(chosen, out.chosenRewards().toDoubleArray(), 1e-12, "chosen rewards");
            assertClose(rejected, out.rejectedRewards().toDoubleArray(), 1e-12, "rejected rewards");
            assertClose(margins, out.margins().toDoubleArray(), 1e-12, "margins");
            assertEquals(correct / (double) B, out.accuracy(), 1e-15);
        }
    }

    /** SimPO has no reference: its delta is the difference of the (length-averaged) policy log-probs. */
    @Test
    void simPoIsReferenceFree() {
        try (Arena arena = Arena.open()) {
            Tensor chosen = t64(new double[] {-0.5, -2.0}, 2);
            Tensor rejected = t64(new double[] {-1.5, -1.0}, 2);
            PreferenceOutput out = new SimPoLoss(2.0, 0.5, 0.0).compute(PreferenceLogProbs.referenceFree(chosen, rejected));
            assertClose(new double[] {nls(2.0 * 1.0 - 0.5), nls(2.0 * -1.0 - 0.5)}, out.losses().toDoubleArray(), 1e-14, "simpo");
            assertClose(new double[] {-1.0, -4.0}, out.chosenRewards().toDoubleArray(), 1e-15, "rewards are beta * log pi");
        }
    }

    /** Over batch sizes from 1 and random beta and label smoothing (at large beta, deltas on both sides of hinge's kink). */
    @Property(tries = 15)
    void everyLossGradientMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int b,
                                                   @ForAll @DoubleRange(min = 0.02, max = 1) double beta,
                                                   @ForAll @DoubleRange(min = 0, max = 0.45) double ls, @ForAll long seed) {
        Random random = new Random(seed);
        Tensor pc = variable(uniform(b, -20, -1, random), b);
        Tensor pr = variable(uniform(b, -20, -1, random), b);
        Tensor rc = t64(uniform(b, -20, -1, random), b);
        Tensor rr = t64(uniform(b, -20, -1, random), b);
        for (PreferenceLoss loss : List.of(new SigmoidDpoLoss(beta, ls), new IpoLoss(beta), new HingeDpoLoss(beta),
                new RobustDpoLoss(beta, ls), new SimPoLoss(beta, 0.5, ls))) {
            assertGradientMatches(x -> loss.compute(new PreferenceLogProbs(x[0], x[1], rc, rr)).loss(), pc, pr);
        }
    }

    @Test
    void mismatchedShapesAndInvalidSettingsAreRejected() {
        try (Arena arena = Arena.open()) {
            Tensor three = Tensor.zeros(DType.FLOAT64, 3);
            ShapeException e = assertThrows(ShapeException.class,
                    () -> new PreferenceLogProbs(three, three, three, Tensor.zeros(DType.FLOAT64, 4)));
            assertEquals(true, e.getMessage().contains("[4]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new SigmoidDpoLoss(0.1, 0.5));
            assertThrows(IllegalArgumentException.class, () -> new RobustDpoLoss(0.0, 0.1));
        }
    }
}
