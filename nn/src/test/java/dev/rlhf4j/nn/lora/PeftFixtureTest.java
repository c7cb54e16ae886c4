package dev.rlhf4j.nn.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TorchCpuCrossEntropy;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.gpt2.TransformersCausalLMLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PEFT adapter (peft 0.21 on gpt2-tiny-random) against peft's own float64 numbers: logits with the adapter
 * on, disabled and merged, the loss, and the gradient of every LoRA factor; and saving it back reproduces peft's
 * files.
 */
class PeftFixtureTest {
    private static final String BASE = "gpt2-tiny-random";
    private static final String ADAPTER = "gpt2-tiny-random-lora";
    private static final JsonNode REF = Fixtures.json(ADAPTER + "/reference.json");
    /** The bar for float64 against peft's float64. */
    private static final double TOLERANCE = 1e-9;

    @TempDir
    Path dir;

    private static Tensor inputIds() {
        JsonNode ids = REF.get("input_ids");                                       // (2, 10)
        return Tensor.ofInts(Fixtures.ints(ids), ids.size(), ids.get(0).size());
    }

    /** Logits (B, T, V) in float64, compared element-wise, relative with a floor of 1e-3 near zero. */
    private static double logitsError(Gpt2LMHeadModel model, String key) {
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            double[] logits = model.forward(inputIds()).toDoubleArray();
            return Fixtures.maxRelativeError(logits, Fixtures.doubles(REF.get(key)), 1e-3);
        }
    }

    @Test
    void logitsMatchPeftOnDisabledAndMerged() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path(BASE), DType.FLOAT64);
        try {
            LoraModel lora = LoraModel.load(model, Fixtures.path(ADAPTER));
            assertEquals(8, lora.layers().size());                                // 2 blocks x (c_attn, attn c_proj, c_fc, mlp c_proj)
            assertEquals(2.0, lora.layers().get("transformer.h.0.attn.c_attn").scaling());
            double on = logitsError(model, "logits_adapter");
            double off;
            try (LoraModel.Scope s = lora.disabled()) {
                off = logitsError(model, "logits_disabled");
            }
            double again = logitsError(model, "logits_adapter");
            lora.mergeAndUnload();
            double merged = logitsError(model, "logits_merged");
            System.out.printf("PEFT fixture logits, max relative error: adapter %.3e, disabled %.3e, merged %.3e%n", on, off, merged);
            assertTrue(on < TOLERANCE, "adapter on: " + on);
            assertTrue(off < TOLERANCE, "disabled: " + off);
            assertEquals(on, again, "the scope switches the adapter back on");
            assertTrue(merged < TOLERANCE, "merged: " + merged);
            assertNull(model.namedLinears().get("transformer.h.0.attn.c_attn").adapter(), "unloaded");
        } finally {
            model.release();
        }
    }

    /**
     * The references come from transformers' loss ({@code logits.float()} then PyTorch's float32 cross-entropy), so
     * the loss is computed the same way here ({@link TransformersCausalLMLoss}); the float64 graph behind it is ours.
     * The recording machine's PyTorch summed in 16-lane (AVX-512) vectors: with AVX2's 8 lanes the float32 rounding of
     * dlogits differs and the gradients agree only to 8e-8 (measured), with the model's own float64 loss to 1.4e-7.
     */
    @Test
    void everyLoraGradientMatchesPeft() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path(BASE), DType.FLOAT64);
        LoraModel lora = LoraModel.load(model, Fixtures.path(ADAPTER));
        try (Arena a = Arena.open()) {
            Tensor loss = TransformersCausalLMLoss.of(model, inputIds(), TorchCpuCrossEntropy.AVX512_LANES);
            assertEquals(REF.get("loss_adapter").asDouble(), loss.item(), 1e-12, "loss");
            loss.backward();
            JsonNode grads = REF.get("lora_grads");
            Map<String, Tensor> params = lora.namedParameters();
            assertEquals(grads.size(), params.size());
            double worst = 0;
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                String peftName = PeftAdapter.PREFIX + e.getKey().replace(".weight", ".default.weight");
                JsonNode expected = grads.get(peftName);
                assertNotNull(expected, "no reference gradient " + peftName);
                Tensor g = e.getValue().grad();
                assertNotNull(g, e.getKey() + " has no gradient");
                double[] want = Fixtures.doubles(expected);
                double scale = 0;
                for (double x : want) {
                    scale = Math.max(scale, Math.abs(x));
                }
                double err = Fixtures.maxRelativeError(g.toDoubleArray(), want, scale);   // relative to the tensor's largest entry
                assertTrue(err < TOLERANCE, e.getKey() + ": gradient max relative error " + err);
                worst = Math.max(worst, err);
            }
            System.out.printf("PEFT fixture LoRA gradients (%d factors), worst max relative error %.3e%n", params.size(), worst);
            for (Tensor p : model.parameters()) {
                assertNull(p.grad(), "the base model is frozen");
            }
        } finally {
            lora.unload();
            model.release();
        }
    }

    @Test
    void savingTheLoadedAdapterReproducesPeftsFiles() throws IOException {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path(BASE), DType.FLOAT32);
        try {
            LoraModel.load(model, Fixtures.path(ADAPTER)).save(dir);
            for (String file : new String[] {PeftAdapter.WEIGHTS, PeftAdapter.CONFIG}) {
                byte[] peft = Files.readAllBytes(Fixtures.path(ADAPTER).resolve(file));
                assertArrayEquals(peft, Files.readAllBytes(dir.resolve(file)), file + " differs from peft's");
            }
        } finally {
            model.release();
        }
    }

    /** A new adapter saved by rlhf4j carries the same configuration fields as peft's file, in peft's text layout. */
    @Test
    void aNewAdapterIsWrittenWithPeftsConfigLayout() throws IOException {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path(BASE), DType.FLOAT32);
        try {
            LoraConfig config = LoraConfig.gpt2AllProjections(4, 8.0).withBaseModel(BASE);
            LoraModel.create(model, config, new dev.rlhf4j.core.TensorRandom(1)).save(dir);
            String peft = Files.readString(Fixtures.path(ADAPTER).resolve(PeftAdapter.CONFIG));
            assertEquals(peft, Files.readString(dir.resolve(PeftAdapter.CONFIG)));
        } finally {
            model.release();
        }
    }
}
