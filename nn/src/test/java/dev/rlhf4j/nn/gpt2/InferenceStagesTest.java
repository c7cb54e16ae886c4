package dev.rlhf4j.nn.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An inference pass frees each stage's temporaries (attention scores, the float32 copies of half-precision weights)
 * when the stage ends: the caller's arena is left with a few tensors per block, not every intermediate; and the values
 * are those of a pass that records a graph (to float32 rounding: the two take different matmul paths for the head).
 */
class InferenceStagesTest {

    @Test
    void aNoGradPassLeavesOnlyEachStagesOutputInTheCallersArena() {
        for (DType type : new DType[] {DType.FLOAT32, DType.BFLOAT16}) {
            Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), type);
            PaddedBatch batch = PaddedBatch.leftPadded(List.of(new int[] {5, 6, 7, 8, 9}, new int[] {10, 11, 12}), 0);
            float[] recorded;
            int graphTensors;
            try (Arena a = Arena.open()) {
                recorded = model.forward(batch).toFloatArray();
                graphTensors = a.size();
            }
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                float[] inference = model.forward(batch).toFloatArray();
                for (int i = 0; i < recorded.length; i++) {
                    assertEquals(recorded[i], inference[i], 1e-5 * (1 + Math.abs(recorded[i])), type + ": logit " + i);
                }
                int layers = model.config().nLayer();
                // ids, positions, bias, the embedding stage, one output per block, ln_f, the logits
                assertTrue(a.size() <= layers + 8, type + ": " + a.size() + " tensors left, the recording pass " + graphTensors);
                assertTrue(graphTensors > 3 * a.size(), type + ": " + graphTensors + " vs " + a.size());
            }
            model.release();
        }
    }

    @Test
    void aHalfPrecisionHeadWidenedSlabBySlabGivesTheLogitsOfTheWholeTable() {
        long vocab = 2 * Gpt2LMHeadModel.HEAD_SLAB + 123;                  // three slabs, the last one short
        Gpt2Config c = new Gpt2Config(1, 2, 8, 16, (int) vocab, 1e-5, "gelu_new", "float32", 0, 0, 0.0, 0.0, 0.0);
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(c, DType.BFLOAT16, 3);
        PaddedBatch batch = PaddedBatch.rightPadded(List.of(new int[] {1, 4097, 8200, 8300}, new int[] {9, 8}), 0);
        float[] whole;
        try (Arena a = Arena.open()) {
            whole = model.forward(batch).toFloatArray();                     // recording: the whole table widened
        }
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            float[] slabs = model.forward(batch).toFloatArray();
            for (int i = 0; i < whole.length; i++) {
                assertEquals(whole[i], slabs[i], 1e-5 * (1 + Math.abs(whole[i])), "logit " + i);
            }
        }
        model.release();
    }
}
