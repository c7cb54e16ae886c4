package dev.rlhf4j.nn.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** gpt2-tiny-random against Hugging Face's float64 forward (reference.json). */
class Gpt2ForwardTest {
    private static final JsonNode REF = Fixtures.json("gpt2-tiny-random/reference.json");
    private static Gpt2LMHeadModel f64;
    private static Gpt2LMHeadModel f32;

    @BeforeAll
    static void load() {
        f64 = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        f32 = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT32);
    }

    @AfterAll
    static void release() {
        f64.release();
        f32.release();
    }

    /**
     * Element-wise |a - e| / max(|e|, floor): float64 uses a small floor (a true relative error), float32 a
     * floor of 1 (rtol = atol, as torch.allclose), since float32 rounding is absolute near zero.
     */
    private static double floor(Gpt2LMHeadModel model) {
        return model.dtype() == DType.FLOAT64 ? 1e-3 : 1.0;
    }

    private static void checkSingle(Gpt2LMHeadModel model, double tol) {
        JsonNode single = REF.get("single");
        int[] ids = Fixtures.ints(single.get("input_ids"));
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            List<Tensor> hidden = model.transformer().hiddenStates(Tensor.ofInts(ids, 1, ids.length));
            Tensor logits = model.head(hidden.get(hidden.size() - 1));
            JsonNode hs = single.get("hidden_states");
            assertEquals(hs.size(), hidden.size());
            for (int i = 0; i < hs.size(); i++) {
                double err = Fixtures.maxRelativeError(hidden.get(i).to(DType.FLOAT64).toDoubleArray(), Fixtures.doubles(hs.get(i)), floor(model));
                System.out.printf("%s hidden_states[%d] max rel err %.3e%n", model.dtype(), i, err);
                assertTrue(err < tol, "hidden_states[" + i + "] error " + err);
            }
            double err = Fixtures.maxRelativeError(logits.to(DType.FLOAT64).toDoubleArray(), Fixtures.doubles(single.get("logits")), floor(model));
            System.out.printf("%s logits max rel err %.3e%n", model.dtype(), err);
            assertTrue(err < tol, "logits error " + err);
        }
    }

    @Test
    void float64HiddenStatesAndLogitsMatchHuggingFace() {
        checkSingle(f64, 1e-9);
    }

    @Test
    void float32HiddenStatesAndLogitsMatchHuggingFace() {
        checkSingle(f32, 1e-4);
    }

    @Test
    void lossMatchesHuggingFace() {
        JsonNode single = REF.get("single");
        int[] ids = Fixtures.ints(single.get("input_ids"));
        double expected = single.get("loss_mean_next_token_ce").asDouble();
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            double loss64 = f64.loss(Tensor.ofInts(ids, 1, ids.length)).item();
            double loss32 = f32.loss(Tensor.ofInts(ids, 1, ids.length)).item();
            System.out.printf("loss f64 %.17g f32 %.9g ref %.17g%n", loss64, loss32, expected);
            // HF upcasts logits to float32 for its loss, so the recorded value carries float32 rounding (~1e-7)
            assertEquals(expected, loss64, 1e-6 * expected);
            assertEquals(expected, loss32, 1e-5 * expected);
        }
    }

    @Test
    void leftPaddedBatchMatchesAtRealTokens() {
        JsonNode batch = REF.get("left_padded_batch");
        int[] ids = Fixtures.ints(batch.get("input_ids"));
        int[] mask = Fixtures.ints(batch.get("attention_mask"));
        double[] expected = Fixtures.doubles(batch.get("logits"));
        int t = 7;
        int v = 512;
        List<int[]> rows = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            rows.add(IntStream.range(r * t, (r + 1) * t).filter(p -> mask[p] == 1).map(p -> ids[p]).toArray());
        }
        PaddedBatch padded = PaddedBatch.leftPadded(rows, 0);                  // the fixture pads with id 0
        assertArrayEquals(Fixtures.ints(batch.get("input_ids")), flat(padded.inputIds()));
        assertArrayEquals(mask, flat(padded.attentionMask()));
        assertArrayEquals(Fixtures.ints(batch.get("position_ids")), flat(padded.positionIds()));
        for (Gpt2LMHeadModel model : List.of(f64, f32)) {
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                double[] logits = model.forward(padded).to(DType.FLOAT64).toDoubleArray();
                double worst = 0;
                for (int p = 0; p < 2 * t; p++) {
                    if (mask[p] == 0) {
                        continue;
                    }
                    double[] got = java.util.Arrays.copyOfRange(logits, p * v, (p + 1) * v);
                    double[] want = java.util.Arrays.copyOfRange(expected, p * v, (p + 1) * v);
                    worst = Math.max(worst, Fixtures.maxRelativeError(got, want, floor(model)));
                }
                System.out.printf("%s left-padded logits max rel err %.3e%n", model.dtype(), worst);
                assertTrue(worst < (model.dtype() == DType.FLOAT64 ? 1e-9 : 1e-4), "left padded error " + worst);
            }
        }
    }

    private static int[] flat(int[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
