package dev.rlhf4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model seam: config.json's model_type picks the family; a model is used through CausalLM alone. */
class AutoModelTest {
    private static final Path TINY = Fixtures.path("gpt2-tiny-random");

    @Test
    void theModelTypePicksTheFamilyAndTheConfigReadsUnderNeutralNames() {
        ModelConfig config = AutoModel.checkedConfig(TINY);
        assertEquals("gpt2", config.modelType());
        assertEquals(List.of(2, 4, 32, 64, 512, 8, 128), List.of(config.numLayers(), config.numAttentionHeads(),
                config.hiddenSize(), config.maxPositions(), config.vocabSize(), config.headDim(), config.intermediateSize()));
        assertEquals(config.numAttentionHeads(), config.numKeyValueHeads());
        assertEquals("transformer.", AutoModel.family(config).basePrefix());
    }

    @Test
    void anUnsupportedModelTypeIsOneLineNamingItAndTheSupportedOnes(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"model_type\": \"mamba\", \"vocab_size\": 10}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AutoModel.readConfig(config));
        assertTrue(e.getMessage().startsWith(config.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'mamba'") && e.getMessage().contains("gpt2"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aFolderLoadsThroughTheSeamAsItsFamilysCausalLm() {
        CausalLM model = AutoModel.fromPretrained(TINY, DType.FLOAT64);
        try {
            assertInstanceOf(Gpt2LMHeadModel.class, model);
            Map<String, Tensor> params = model.namedParameters();
            assertTrue(params.keySet().stream().allMatch(k -> k.startsWith("transformer.")));
            assertEquals(AutoModel.checkedConfig(TINY), model.config());
        } finally {
            model.release();
        }
    }

    @Test
    void aMissingWeightsFileIsRefusedNamingTheFolder(@TempDir Path dir) throws IOException {
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> AutoModel.fromPretrained(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void presetsResizeWithoutChangingTheArchitecture() {
        ModelConfig small = AutoModel.preset("gpt2").withoutDropout().resized(2, 2, 16, 32, 100, 7, 9);
        assertEquals(List.of(2, 2, 16, 32, 100, 7, 9), List.of(small.numLayers(), small.numAttentionHeads(), small.hiddenSize(),
                small.maxPositions(), small.vocabSize(), small.bosTokenId(), small.eosTokenId()));
        assertFalse(small.hasDropout());
        assertTrue(AutoModel.preset("gpt2").hasDropout());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AutoModel.preset("gpt5"));
        assertTrue(e.getMessage().contains("'gpt5'") && e.getMessage().contains("gpt2-medium"), e.getMessage());
    }

    @Test
    void aStreamedPassThroughOneLayerEqualsTheWholeModelBitForBit() {
        CausalLM model = AutoModel.fromPretrained(TINY, DType.FLOAT32);
        CausalLM slot = AutoModel.create(model.config().withNumLayers(1), DType.FLOAT32);
        ModelFamily family = AutoModel.family(model.config());
        String layerZero = family.basePrefix() + family.layerPrefix(0);
        Map<String, Tensor> whole = model.namedParameters();
        Map<String, Tensor> slotParams = slot.namedParameters();
        try (Arena arena = Arena.open(); NoGrad ng = NoGrad.enter()) {
            slotParams.forEach((name, t) -> {
                if (!name.startsWith(layerZero)) {
                    t.assign(whole.get(name));
                }
            });
            PaddedBatch batch = PaddedBatch.leftPadded(List.of(new int[] {5, 6, 7, 8}, new int[] {9, 10}), 0);
            double[] expected = model.forward(batch).toDoubleArray();
            Tensor hidden = slot.model().forwardStreamed(batch, model.config().numLayers(), layer ->
                    slotParams.forEach((name, t) -> {
                        if (name.startsWith(layerZero)) {
                            t.assign(whole.get(family.basePrefix() + family.layerPrefix(layer) + name.substring(layerZero.length())));
                        }
                    }));
            assertArrayEquals(expected, slot.head(hidden).toDoubleArray());
        } finally {
            model.release();
            slot.release();
        }
    }
}
