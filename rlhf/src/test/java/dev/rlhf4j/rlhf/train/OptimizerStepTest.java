package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.optim.AdamW;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one optimizer step: Hugging Face's weight-decay rule, max_grad_norm (0: none) and the non-finite guard. */
class OptimizerStepTest {
    private final Tensor weight = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);     // a matrix: decays
    private final Tensor bias = Tensor.of(new double[] {1, -1}, 2).requiresGrad(true);                 // a vector: does not

    private OptimizerStep optimizer(double weightDecay, double maxGradNorm) {
        Map<String, Tensor> named = new LinkedHashMap<>();
        named.put("h.0.attn.c_attn.weight", weight);
        named.put("h.0.attn.c_attn.bias", bias);
        return new OptimizerStep(named, AdamW.Config.torch(0.1, weightDecay), maxGradNorm,
                new NonFiniteGuard("test", 2, new PrintStream(OutputStream.nullOutputStream())));
    }

    /** grad = d/dp sum(scale * p) = scale everywhere. */
    private void backward(double scale) {
        try (Arena a = Arena.open()) {
            weight.sum().add(bias.sum()).mul(scale).backward();
        }
    }

    @Test
    void weightDecayShrinksMatricesButNotBiasesOrNormWeights() {
        OptimizerStep step = optimizer(0.5, OptimizerStep.NO_CLIPPING);
        backward(0.0);                                          // no gradient signal: only the decay moves a weight
        step.step(0.1, 0.0);
        assertArrayEquals(new double[] {0.95, 1.9, 2.85, 3.8}, weight.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {1, -1}, bias.toDoubleArray(), 0.0);
        step.release();
    }

    @Test
    void maxGradNormZeroClipsNothingAndAPositiveOneScalesTheGradient() {
        OptimizerStep free = optimizer(0.0, OptimizerStep.NO_CLIPPING);
        backward(3.0);                                          // ||g|| = 3 sqrt(6)
        assertEquals(3 * Math.sqrt(6), free.step(0.1, 1.0), 1e-12);
        assertEquals(0.1 * 3.0, free.adamW().state().get("0.exp_avg").toDoubleArray()[0], 1e-12, "m = (1 - beta1) g, unclipped");
        free.release();

        OptimizerStep clipped = optimizer(0.0, 1.0);
        backward(3.0);
        assertEquals(3 * Math.sqrt(6), clipped.step(0.1, 1.0), 1e-12, "grad_norm is the norm before clipping");
        double scale = 1.0 / (3 * Math.sqrt(6) + 1e-6);
        assertEquals(0.1 * 3.0 * scale, clipped.adamW().state().get("0.exp_avg").toDoubleArray()[0], 1e-12);
        clipped.release();
        assertThrows(IllegalArgumentException.class, () -> optimizer(0.0, -1.0));
    }

    @Test
    void aNonFiniteLossSkipsTheUpdateButCountsTheStep() {
        OptimizerStep step = optimizer(0.5, 1.0);
        double[] before = weight.toDoubleArray();
        backward(1.0);
        step.step(0.1, Double.NaN);
        assertFalse(step.updated());
        assertEquals(1, step.steps());
        assertEquals(1, step.skipped());
        assertArrayEquals(before, weight.toDoubleArray(), 0.0);
        Map<String, Double> metrics = new LinkedHashMap<>();
        step.reportNonFinite(metrics);
        assertEquals(Map.of("nonfinite", 1.0, "skipped_steps", 1.0), metrics);
        backward(1.0);
        step.step(0.1, 0.5);
        assertTrue(step.updated());
        assertEquals(2, step.steps());
        assertTrue(weight.toDoubleArray()[0] < before[0]);
        step.release();
    }
}
