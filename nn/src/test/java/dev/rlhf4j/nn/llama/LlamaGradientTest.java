package dev.rlhf4j.nn.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.FiniteDifferences;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.TransformersCausalLMLoss;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.optim.AdamW;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every parameter's gradient of the mean next-token loss against PyTorch's (grads.safetensors, by name, tied heads
 * summed into {@code embed_tokens}), float64 gradients against central finite differences, and 10 AdamW steps
 * against torch.optim.AdamW's losses (adamw.json), for each Llama-family fixture.
 *
 * <p>The recorded gradients and losses carry transformers' float32 steps (RMSNorm, softmax, RoPE; see {@link
 * LlamaForwardTest}) and its float32 loss, so they are compared at that rounding; our float64 gradients are checked
 * to 1e-6 against finite differences of our own float64 loss (step 1e-5, so truncation error ~1e-10).
 */
class LlamaGradientTest {
    /** Worst measured 1.7e-6 (per tensor, relative to its largest element; qwen2's k_proj.bias). */
    private static final double RECORDED_GRADIENTS = 1e-5;
    /** Measured 1.8e-5 worst over the 11 losses (llama-tiny-random; the losses fall from ~8 to ~0.03). */
    private static final double RECORDED_LOSSES = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"})
    void everyParameterGradientMatchesPyTorch(String fixture) {
        LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(Fixtures.path(fixture), DType.FLOAT64);
        JsonNode single = Fixtures.json(fixture + "/reference.json").get("single");
        int[] ids = Fixtures.ints(single.get("input_ids"));
        try (Arena step = Arena.open(); SafetensorsReader grads = SafetensorsReader.open(Fixtures.path(fixture + "/grads.safetensors"))) {
            Tensor loss = TransformersCausalLMLoss.of(model, Tensor.ofInts(ids, 1, ids.length));
            double expected = single.get("loss_mean_next_token_ce").asDouble();
            assertEquals(expected, loss.item(), 1e-5 * expected, "loss");
            loss.backward();
            Map<String, Tensor> params = model.namedParameters();
            assertEquals(grads.entries().keySet(), params.keySet(), "gradient names");
            double worst = 0;
            String worstName = "";
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor g = e.getValue().grad();
                assertNotNull(g, e.getKey() + " has no gradient");
                double[] want = grads.read(e.getKey()).toDoubleArray();
                double scale = Arrays.stream(want).map(Math::abs).max().orElse(0);
                double err = Fixtures.maxRelativeError(g.toDoubleArray(), want, scale);
                assertTrue(err < RECORDED_GRADIENTS, fixture + " " + e.getKey() + ": gradient max relative error " + err);
                if (err > worst) {
                    worst = err;
                    worstName = e.getKey();
                }
            }
            System.out.printf("%s gradients vs PyTorch: worst %.3e (%s)%n", fixture, worst, worstName);
        } finally {
            model.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"})
    void gradientsMatchFiniteDifferencesOfTheLoss(String fixture) {
        LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(Fixtures.path(fixture), DType.FLOAT64);
        int[] ids = Fixtures.ints(Fixtures.json(fixture + "/reference.json").get("single").get("input_ids"));
        Tensor input = Tensor.ofInts(ids, 1, ids.length);
        try (Arena step = Arena.open()) {
            model.loss(input).backward();
            double worst = 0;
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                String name = e.getKey();
                if (!name.contains("layers.1.") && !name.contains("embed") && !name.contains("lm_head") && !name.startsWith("model.norm")) {
                    continue;                                                       // layer 1, the embeddings, the head and final norm
                }
                Tensor p = e.getValue();
                double[] analytic = p.grad().toDoubleArray();
                long cols = p.size(p.rank() - 1);
                for (long k = 0; k < 2; k++) {
                    long flat = name.contains("embed") ? ids[(int) k] * cols + k : (k * 7919 + 13) % p.numel();
                    double numeric = FiniteDifferences.at(p, flat, 1e-5, () -> model.loss(input).item());
                    double err = Math.abs(analytic[(int) flat] - numeric) / Math.max(Math.abs(numeric), 1e-3);
                    assertTrue(err < 1e-6, fixture + " " + name + "[" + flat + "]: analytic " + analytic[(int) flat] + " numeric " + numeric);
                    worst = Math.max(worst, err);
                }
            }
            System.out.printf("%s float64 gradients vs finite differences: worst %.3e%n", fixture, worst);
        } finally {
            model.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"})
    void tenAdamWStepsFollowPyTorch(String fixture) {
        JsonNode ref = Fixtures.json(fixture + "/adamw.json");
        double[] before = Fixtures.doubles(ref.get("loss_before_each_step"));
        double[] expected = Arrays.copyOf(before, before.length + 1);
        expected[before.length] = ref.get("loss_after_10_steps").asDouble();
        LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(Fixtures.path(fixture), DType.FLOAT64);
        AdamW opt = new AdamW(model, new AdamW.Config(ref.get("lr").asDouble(), ref.get("betas").get(0).asDouble(),
                ref.get("betas").get(1).asDouble(), ref.get("eps").asDouble(), ref.get("weight_decay").asDouble()));
        int[] ids = Fixtures.ints(ref.get("input_ids"));
        double worst = 0;
        try {
            for (int step = 0; step < expected.length; step++) {
                try (Arena a = Arena.open()) {
                    Tensor loss = TransformersCausalLMLoss.of(model, Tensor.ofInts(ids, 1, ids.length));
                    double err = Math.abs(loss.item() - expected[step]) / expected[step];
                    assertTrue(err < RECORDED_LOSSES, fixture + " loss before step " + step + ": " + loss.item() + " vs " + expected[step]);
                    worst = Math.max(worst, err);
                    if (step < before.length) {
                        loss.backward();
                        opt.step();
                        opt.zeroGrad();
                    }
                }
            }
            System.out.printf("%s AdamW 10 steps: worst relative loss error %.3e%n", fixture, worst);
        } finally {
            opt.release();
            model.release();
        }
    }
}
