package dev.rlhf4j.nn.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json parsing, presets against the published GPT-2 sizes, and train/eval mode. */
class Gpt2ConfigTest {
    @TempDir
    Path tmp;

    @Test
    void presetsHaveThePublishedParameterCounts() {
        // Hugging Face's num_parameters() of openai-community/gpt2, -medium, -large, -xl
        assertEquals(124_439_808L, Gpt2Config.gpt2().numParameters());
        assertEquals(354_823_168L, Gpt2Config.gpt2Medium().numParameters());
        assertEquals(774_030_080L, Gpt2Config.gpt2Large().numParameters());
        assertEquals(1_557_611_200L, Gpt2Config.gpt2Xl().numParameters());
        Gpt2LMHeadModel tiny = new Gpt2LMHeadModel(Gpt2Config.tiny(), DType.FLOAT32);
        assertEquals(Gpt2Config.tiny().numParameters(), tiny.numParameters());
        tiny.release();
    }

    @Test
    void readsTheFixtureConfigAndBothDtypeKeys() throws IOException {
        Gpt2Config c = Gpt2Config.read(Fixtures.path("gpt2-tiny-random/config.json"));
        assertEquals(Gpt2Config.tiny().nEmbd(), c.nEmbd());
        assertEquals(512, c.vocabSize());
        assertEquals(511, c.eosTokenId());
        assertEquals("float32", c.dtype());
        Path legacy = tmp.resolve("config.json");
        Files.writeString(legacy, "{\"n_layer\": 1, \"n_head\": 2, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 10,"
                + " \"torch_dtype\": \"bfloat16\", \"activation_function\": \"gelu_new\"}");
        assertEquals("bfloat16", Gpt2Config.read(legacy).dtype());
        Files.writeString(legacy, "{\"n_layer\": 1, \"n_head\": 3, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 10}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gpt2Config.read(legacy));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("divisible"), e.getMessage());
        Files.writeString(legacy, "{\"n_head\": 2}");
        e = assertThrows(IllegalArgumentException.class, () -> Gpt2Config.read(legacy));
        assertTrue(e.getMessage().contains("n_layer"), e.getMessage());
    }

    @Test
    void dropoutActsOnlyInTrainingMode() {
        Gpt2Config c = Gpt2Config.tiny();
        Gpt2Config withDropout = new Gpt2Config(c.nLayer(), c.nHead(), c.nEmbd(), c.nPositions(), c.vocabSize(),
                c.layerNormEpsilon(), c.activationFunction(), c.dtype(), c.bosTokenId(), c.eosTokenId(), 0.1, 0.1, 0.1);
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(withDropout, DType.FLOAT64, 1);
        Tensor ids = Tensor.ofInts(new int[] {1, 2, 3, 4}, 1, 4);
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            double[] eval1 = model.forward(ids).toDoubleArray();
            double[] eval2 = model.forward(ids).toDoubleArray();
            model.train(new TensorRandom(2));
            double[] train = model.forward(ids).toDoubleArray();
            model.eval();
            assertEquals(0.0, Fixtures.maxRelativeError(eval2, eval1, 1.0));
            assertTrue(Fixtures.maxRelativeError(train, eval1, 1.0) > 1e-3, "dropout changed nothing");
        }
        model.release();
    }
}
