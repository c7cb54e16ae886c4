package dev.rlhf4j.nn.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.io.SafetensorsReader;
import java.util.Map;
import dev.rlhf4j.core.NoGrad;
import org.junit.jupiter.api.Test;

/** Every parameter's gradient of the mean next-token loss against PyTorch's (grads.safetensors), by name, as llm.c's test_gpt2. */
class Gpt2GradientTest {
    /**
     * The recorded gradients carry float32 rounding: HF's loss upcasts logits with {@code logits.float()}, which
     * in a float64 run is a downcast, so dlogits has ~1e-7 relative noise (measured: 1.3e-7 worst here, with
     * logits matching to 1e-12). The float64 gradients themselves are checked against central finite
     * differences of the loss (whose value matches HF) in {@link #gradientsMatchFiniteDifferencesOfTheLoss}
     * (measured 1.1e-7, the differences' own rounding at h = 1e-5).
     */
    private static final double GRAD_TOLERANCE = 1e-6;

    @Test
    void everyParameterGradientMatchesPyTorch() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        long[] ids = Fixtures.longs(Fixtures.json("gpt2-tiny-random/reference.json").get("single").get("input_ids"));
        try (Arena step = Arena.open(); SafetensorsReader grads = SafetensorsReader.open(Fixtures.path("gpt2-tiny-random/grads.safetensors"))) {
            model.loss(Tensor.ofLongs(ids, 1, ids.length)).backward();
            Map<String, Tensor> params = model.namedParameters();
            assertEquals(grads.entries().keySet(), params.keySet(), "gradient names");
            double worst = 0;
            String worstName = "";
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
                assertTrue(err < GRAD_TOLERANCE, e.getKey() + ": gradient max relative error " + err);
                if (err > worst) {
                    worst = err;
                    worstName = e.getKey();
                }
            }
            System.out.printf("float64 gradients: worst max relative error %.3e (%s)%n", worst, worstName);
        } finally {
            model.release();
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesOfTheLoss() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        long[] ids = Fixtures.longs(Fixtures.json("gpt2-tiny-random/reference.json").get("single").get("input_ids"));
        Tensor input = Tensor.ofLongs(ids, 1, ids.length);
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
                    long[] idx = p.rank() == 2 ? new long[] {flat / cols, flat % cols} : new long[] {flat};
                    Tensor view = p.rank() == 2 ? p.narrow(0, idx[0], 1).narrow(1, idx[1], 1) : p.narrow(0, idx[0], 1);
                    double x = view.item();
                    double plus;
                    double minus;
                    try (NoGrad ng = NoGrad.enter(); Arena eval = Arena.open()) {
                        view.fill(x + h);
                        plus = model.loss(input).item();
                        view.fill(x - h);
                        minus = model.loss(input).item();
                        view.fill(x);
                    }
                    double numeric = (plus - minus) / (2 * h);
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
