package dev.rlhf4j.rlhf.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The planner's parameter counts against nn's GPT-2, the built tiny model and the published Llama sizes. */
class ModelShapeTest {
    /** The Conv1D weights LoRA adapts in GPT-2, by the suffix of their checkpoint names. */
    private static final List<String> GPT2_LORA_TARGETS =
            List.of("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight");

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "tiny", "small"})
    void gpt2CountsAgreeWithNnsConfig(String preset) {
        assertEquals(Gpt2Config.preset(preset).numParameters(), ModelShape.preset(preset).numParameters(), preset);
    }

    @Test
    void tinyCountsAgreeWithTheBuiltModelPieceByPiece() {
        Gpt2LMHeadModel model = new Gpt2LMHeadModel(Gpt2Config.tiny(), DType.FLOAT32);
        ModelShape shape = ModelShape.preset("tiny");
        Map<String, Tensor> named = model.namedParameters();
        long block = named.entrySet().stream().filter(e -> e.getKey().startsWith("transformer.h.0."))
                .mapToLong(e -> e.getValue().numel()).sum();
        long embeddings = named.get("transformer.wte.weight").numel() + named.get("transformer.wpe.weight").numel();
        assertEquals(block, shape.blockParameters());
        assertEquals(embeddings, shape.embeddingParameters());
        assertEquals(model.numParameters(), shape.numParameters());
        assertEquals(model.numParameters(), shape.trunkParameters(), "GPT-2's head is tied: the trunk is every parameter");
        model.release();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8, 64})
    void loraCountIsRankTimesInPlusOutOfTheAdaptedWeights(int rank) {
        Gpt2LMHeadModel model = new Gpt2LMHeadModel(Gpt2Config.tiny(), DType.FLOAT32);
        long expected = 0;
        int adapted = 0;
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            if (GPT2_LORA_TARGETS.stream().anyMatch(e.getKey()::endsWith)) {
                long[] shape = e.getValue().shape();                          // Conv1D (in, out)
                expected += rank * (shape[0] + shape[1]);
                adapted++;
            }
        }
        ModelShape shape = ModelShape.preset("tiny");
        assertEquals(shape.layers() * shape.loraTargetsPerBlock(), adapted);
        assertEquals(expected, shape.loraParameters(rank));
        model.release();
    }

    /**
     * The Llama presets against the parameter counts of the Hugging Face checkpoints ({@code model.num_parameters()}
     * of Llama-2-7b-hf, Llama-2-13b-hf, Llama-2-70b-hf and Meta-Llama-3-8B), counted independently of these formulas.
     */
    @ParameterizedTest
    @CsvSource({"llama-7b, 6738415616", "llama-13b, 13015864320", "llama-70b, 68976648192", "llama3-8b, 8030261248"})
    void llamaCountsAreThePublishedOnes(String preset, long published) {
        assertEquals(published, ModelShape.preset(preset).numParameters(), preset);
    }

    @Test
    void llamaLoraAdaptsAllSevenProjections() {
        ModelShape s = ModelShape.preset("llama-70b");
        long c = s.hidden();
        long kv = s.kvWidth();
        long i = s.intermediate();
        long perBlock = (c + c) + (c + kv) + (c + kv) + (c + c) + (c + i) + (c + i) + (i + c);
        assertEquals(16 * s.layers() * perBlock, s.loraParameters(16));
        assertEquals(8 * s.headSize(), kv, "70B groups its 64 heads into 8 key/value heads");
    }

    @Test
    void trunkDropsAnUntiedHeadOnly() {
        ModelShape llama = ModelShape.preset("llama-7b");
        assertEquals(llama.numParameters() - (long) llama.vocab() * llama.hidden(), llama.trunkParameters());
        assertTrue(llama.largestPieceParameters() < llama.numParameters() / 10);
    }

    @Test
    void badNamesAndShapesSayWhatIsExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelShape.preset("gpt5"));
        assertTrue(e.getMessage().contains("'gpt5'") && e.getMessage().contains("llama-7b") && e.getMessage().contains("gpt2-xl"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelShape("odd", ModelShape.Architecture.LLAMA, 2, 100, 3, 3, 400, 10, 16, false));
        assertTrue(e.getMessage().contains("odd") && e.getMessage().contains("3 heads"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelShape.preset("tiny").loraParameters(0));
    }
}
