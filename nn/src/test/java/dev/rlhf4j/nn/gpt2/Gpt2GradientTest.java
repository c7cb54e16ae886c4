package dev.rlhf4j.nn.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.FiniteDifferences;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.io.SafetensorsReader;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every parameter's gradient of the mean next-token loss against PyTorch's (grads.safetensors), by name, as llm.c's test_gpt2. */
class Gpt2GradientTest {
    /**
     * The references were recorded with transformers' loss, which does {@code logits.float()} (a downcast in a
     * float64 run) and PyTorch's float32 CPU cross-entropy; {@link TransformersCausalLMLoss} reproduces that
     * computation, so the gradients agree to float64 rounding (measured 4.4e-15 worst; the loss is bit-equal).
     */
    private static final double TRANSFORMERS_LOSS_TOLERANCE = 1e-8;
    /**
     * The model's own float64 loss ({@link Gpt2LMHeadModel#loss}) differs from the reference by the float32
     * rounding of dlogits (measured 1.3e-7 worst, logits matching to 1e-12). The float64 gradients themselves are
     * checked against central finite differences in {@link #gradientsMatchFiniteDifferencesOfTheLoss}.
     */
    private static final double FLOAT64_LOSS_TOLERANCE = 1e-6;

    @Test
    void everyParameterGradientMatchesPyTorchWithTransformersLoss() {
        double worst = compareWithPyTorch(model -> TransformersCausalLMLoss.of(model, input()), TRANSFORMERS_LOSS_TOLERANCE);
        System.out.printf("transformers-loss gradients: worst max relative error %.3e%n", worst);
    }

    @Test
    void float64LossGradientsMatchPyTorchUpToItsFloat32Rounding() {
        double worst = compareWithPyTorch(model -> model.loss(input()), FLOAT64_LOSS_TOLERANCE);
        System.out.printf("float64-loss gradients: worst max relative error %.3e%n", worst);
    }

    private static int[] ids() {
        return Fixtures.ints(Fixtures.json("gpt2-tiny-random/reference.json").get("single").get("input_ids"));
    }

    private static Tensor input() {
        int[] ids = ids();
        return Tensor.ofInts(ids, 1, ids.length);
    }

    /** Backpropagates {@code loss} and returns the worst per-tensor max|a - b| / max|ref|, asserting each below {@code tolerance}. */
    private static double compareWithPyTorch(Function<Gpt2LMHeadModel, Tensor> loss, double tolerance) {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        double recordedLoss = Fixtures.json("gpt2-tiny-random/reference.json").get("single").get("loss_mean_next_token_ce").asDouble();
        try (Arena step = Arena.open(); SafetensorsReader grads = SafetensorsReader.open(Fixtures.path("gpt2-tiny-random/grads.safetensors"))) {
            Tensor value = loss.apply(model);
            assertEquals(recordedLoss, value.item(), tolerance * recordedLoss, "loss");
            value.backward();
            Map<String, Tensor> params = model.namedParameters();
            assertEquals(grads.entries().keySet(), params.keySet(), "gradient names");
            double worst = 0;
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor g = e.getValue().grad();
                assertNotNull(g, e.getKey() + " has no gradient");
                double[] expected = grads.read(e.getKey()).toDoubleArray();
                double scale = 0;
                for (double x : expected) {
                    scale = Math.max(scale, Math.abs(x));
                }
                // relative to the tensor's largest gradient element, so near-zero entries do not dominate
                double err = Fixtures.maxRelativeError(g.toDoubleArray(), expected, scale);
                assertTrue(err < tolerance, e.getKey() + ": gradient max relative error " + err);
                worst = Math.max(worst, err);
            }
            return worst;
        } finally {
            model.release();
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesOfTheLoss() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        int[] ids = Fixtures.ints(Fixtures.json("gpt2-tiny-random/reference.json").get("single").get("input_ids"));
        Tensor input = Tensor.ofInts(ids, 1, ids.length);
        try (Arena step = Arena.open()) {
            model.loss(input).backward();
            Map<String, Tensor> params = model.namedParameters();
            double h = 1e-5;
            double worst = 0;
            for (String name : new String[] {"transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
                "transformer.h.1.mlp.c_fc.bias", "transformer.h.1.ln_2.weight", "transformer.ln_f.bias"}) {
                Tensor p = params.get(name);
                double[] analytic = p.grad().toDoubleArray();
                long n = p.numel();
                long cols = p.size(p.rank() - 1);
                for (long k = 0; k < 4; k++) {
                    // for wte, pick rows of tokens in the input (other rows only get the LM head's share)
                    long flat = name.contains("wte") ? ids[(int) k] * cols + k : (k * 7919) % n;
                    double numeric = FiniteDifferences.at(p, flat, h, () -> model.loss(input).item());
                    double err = Math.abs(analytic[(int) flat] - numeric) / Math.max(Math.abs(numeric), 1e-3);
                    assertTrue(err < 1e-6, name + flat + ": analytic " + analytic[(int) flat] + " numeric " + numeric);
                    worst = Math.max(worst, err);
                }
            }
            System.out.printf("float64 gradients vs finite differences: worst relative error %.3e%n", worst);
        } finally {
            model.release();
        }
    }
}
