package dev.rlhf4j.nn.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.FiniteDifferences;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One LoRA layer against the formula written out in loops, in both weight layouts; its gradient; dropout; half precision. */
class LoraLinearTest {
    private static final double[] W_OUT_IN = {0.5, -1, 2, 0.25, 3, -0.75};           // W (out 2, in 3)
    private static final double[] BIAS = {0.1, -0.2};
    private static final double[] A = {1, 2, -1, 0.5, 0, 3};                           // A (r 2, in 3)
    private static final double[] B = {2, -1, 0.5, 4};                                 // B (out 2, r 2)
    private static final double[] X = {1, 2, 3, -1, 0.5, 2};                           // x (2, in 3)
    private static final double SCALING = 3.0 / 2;                                     // alpha 3, r 2

    /** A 2x3 Linear in the given layout holding W_OUT_IN, with LoRA factors A and B. */
    private static LoraModel layer(Linear.Layout layout) {
        Linear linear = new Linear("proj", layout, 3, 2, true, DType.FLOAT64);
        double[] w = layout == Linear.Layout.CONV1D ? transpose(W_OUT_IN, 2, 3) : W_OUT_IN;
        LoraModel lora = LoraModel.create(linear, LoraConfig.of(2, 3.0, "proj"), new TensorRandom(0));
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            linear.weight().assign(Tensor.of(w, linear.weight().shape()));
            linear.bias().assign(Tensor.of(BIAS, 2));
            LoraLinear l = lora.layers().get("proj");
            l.loraA().assign(Tensor.of(A, 2, 3));
            l.loraB().assign(Tensor.of(B, 2, 2));
        }
        return lora;
    }

    private static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = m[i * cols + j];
            }
        }
        return t;
    }

    /** W + scaling * B A, (out, in), in loops. */
    private static double[] mergedOutIn() {
        double[] w = W_OUT_IN.clone();
        for (int o = 0; o < 2; o++) {
            for (int i = 0; i < 3; i++) {
                for (int k = 0; k < 2; k++) {
                    w[o * 3 + i] += SCALING * B[o * 2 + k] * A[k * 3 + i];
                }
            }
        }
        return w;
    }

    /** x W_eff^T + b for W_eff (out, in), in loops: the LoRA forward once the update is folded in. */
    private static double[] apply(double[] wOutIn) {
        double[] y = new double[4];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 2; o++) {
                y[n * 2 + o] = BIAS[o];
                for (int i = 0; i < 3; i++) {
                    y[n * 2 + o] += X[n * 3 + i] * wOutIn[o * 3 + i];
                }
            }
        }
        return y;
    }

    @Test
    void bothLayoutsComputeTheFormulaAndMergeIntoTheirOwnLayout() {
        for (Linear.Layout layout : Linear.Layout.values()) {
            LoraModel lora = layer(layout);
            Linear linear = lora.layers().get("proj").base();
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                Tensor x = Tensor.of(X, 2, 3);
                assertArrayEquals(apply(mergedOutIn()), linear.forward(x).toDoubleArray(), 1e-12, layout + " forward");
                lora.disable();
                assertArrayEquals(apply(W_OUT_IN), linear.forward(x).toDoubleArray(), 1e-12, layout + " disabled");
                lora.enable();
                lora.merge();
                double[] merged = layout == Linear.Layout.CONV1D ? transpose(mergedOutIn(), 2, 3) : mergedOutIn();
                assertArrayEquals(merged, linear.weight().toDoubleArray(), 1e-12, layout + " merged weight");
                assertArrayEquals(apply(mergedOutIn()), linear.forward(x).toDoubleArray(), 1e-12, layout + " merged forward");
                lora.disable();
                assertFalse(lora.isMerged(), "disabling takes a merged update out first");
                assertArrayEquals(apply(W_OUT_IN), linear.forward(x).toDoubleArray(), 1e-12, layout + " disabled after merge");
            }
            lora.mergeAndUnload();
            assertNull(linear.adapter());
            linear.release();
        }
    }

    @Test
    void unloadRestoresTheBaseAndALayerTakesOneAdapter() {
        LoraModel lora = layer(Linear.Layout.CONV1D);
        Linear linear = lora.layers().get("proj").base();
        assertThrows(IllegalStateException.class, () -> LoraModel.create(linear, LoraConfig.of(1, 1, "proj"), new TensorRandom(1)));
        lora.merge();
        lora.unload();
        assertNull(linear.adapter());
        assertArrayEquals(transpose(W_OUT_IN, 2, 3), linear.weight().toDoubleArray(), 1e-12);
        linear.release();
    }

    /** rank 1, one channel: each row's update is 0 (dropped) or 1 / (1 - p) times the undropped one. */
    @Test
    void dropoutActsOnTheAdapterInputInTrainingModeOnly() {
        Linear linear = new Linear("proj", Linear.Layout.CONV1D, 1, 1, false, DType.FLOAT64);
        LoraModel lora = LoraModel.create(linear, LoraConfig.of(1, 1, "proj").withDropout(0.5), new TensorRandom(2));
        lora.layers().get("proj").loraB().fill(1.0);
        double a = lora.layers().get("proj").loraA().item();
        try (Arena scratch = Arena.open(); NoGrad ng = NoGrad.enter()) {
            double[] x = new double[64];
            java.util.Arrays.fill(x, 1.0);
            Tensor input = Tensor.of(x, 64, 1);
            lora.train(new TensorRandom(3));
            double[] y = linear.forward(input).toDoubleArray();                   // base weight 0: y is the update
            int dropped = 0;
            for (double v : y) {
                assertTrue(v == 0 || Math.abs(v - 2 * a) < 1e-15, "update " + v + " is neither 0 nor 2a");
                dropped += v == 0 ? 1 : 0;
            }
            assertTrue(dropped > 10 && dropped < 54, dropped + " of 64 dropped at p = 0.5");
            lora.eval();
            for (double v : linear.forward(input).toDoubleArray()) {
                assertEquals(a, v, 1e-15);
            }
        }
        lora.unload();
        linear.release();
    }

    /** float64 gradients of the model's own loss w.r.t. A and B against central differences. */
    @Test
    void factorGradientsMatchFiniteDifferences() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        LoraModel lora = LoraModel.load(model, Fixtures.path("gpt2-tiny-random-lora"));
        Tensor ids = Tensor.ofLongs(new long[] {3, 141, 59, 265, 35, 89, 79, 323}, 2, 4);
        try (Arena step = Arena.open()) {
            model.loss(ids).backward();
            double worst = 0;
            Map<String, Tensor> params = lora.namedParameters();
            for (String name : new String[] {"transformer.h.0.attn.c_attn.lora_A.weight", "transformer.h.0.mlp.c_proj.lora_B.weight",
                "transformer.h.1.mlp.c_fc.lora_A.weight", "transformer.h.1.attn.c_proj.lora_B.weight"}) {
                Tensor p = params.get(name);
                double[] analytic = p.grad().toDoubleArray();
                for (long k = 0; k < 3; k++) {
                    long flat = (k * 37 + 5) % p.numel();
                    double numeric = FiniteDifferences.at(p, flat, 1e-5, () -> model.loss(ids).item());
                    double err = Math.abs(analytic[(int) flat] - numeric) / Math.max(Math.abs(numeric), 1e-3);
                    assertTrue(err < 1e-6, name + "[" + flat + "]: analytic " + analytic[(int) flat] + " numeric " + numeric);
                    worst = Math.max(worst, err);
                }
            }
            System.out.printf("LoRA factor gradients vs finite differences: worst relative error %.3e%n", worst);
        } finally {
            lora.unload();
            model.release();
        }
    }

    @Test
    void halfPrecisionModelsGetFloat32FactorsAndAFreshAdapterChangesNothing() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.BFLOAT16);
        Tensor ids = Tensor.ofLongs(new long[] {1, 2, 3, 4}, 1, 4);
        float[] base;
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            base = model.forward(ids).toFloatArray();
        }
        LoraModel lora = LoraModel.create(model, LoraConfig.gpt2AllProjections(4, 8), new TensorRandom(5));
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            assertTrue(lora.parameters().stream().allMatch(p -> p.dtype() == DType.FLOAT32));
            assertArrayEquals(base, model.forward(ids).toFloatArray(), 0f);
        } finally {
            model.release();
        }
    }
}
