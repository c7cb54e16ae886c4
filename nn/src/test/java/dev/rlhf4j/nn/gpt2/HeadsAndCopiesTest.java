package dev.rlhf4j.nn.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.heads.ScoreHead;
import dev.rlhf4j.nn.heads.ValueHead;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Value and score heads (closed forms and the padding identity), deep copies and freezing. */
class HeadsAndCopiesTest {
    private static final int[] IDS = {382, 348, 126, 501, 438};

    @Test
    void valueHeadIsOneDotProductPerToken() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        ValueHead head = new ValueHead(32, DType.FLOAT64);
        head.initialize(new TensorRandom(3), 0.1);
        head.namedParameters().get("v_head.summary.bias").fill(0.25);
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor hidden = model.transformer().forward(Tensor.ofInts(IDS, 1, IDS.length));   // (1, T, C)
            double[] v = head.forward(hidden).toDoubleArray();
            double[] h = hidden.toDoubleArray();
            double[] w = head.namedParameters().get("v_head.summary.weight").toDoubleArray();
            assertEquals(IDS.length, v.length);
            for (int t = 0; t < IDS.length; t++) {
                double dot = 0.25;
                for (int c = 0; c < 32; c++) {
                    dot += h[t * 32 + c] * w[c];
                }
                assertEquals(dot, v[t], 1e-12);
            }
        }
        model.release();
    }

    @Test
    void scoreHeadReadsTheLastRealTokenOfALeftOrRightPaddedRow() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        ScoreHead head = new ScoreHead(32, DType.FLOAT64);
        head.initialize(new TensorRandom(4), 0.1);
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            int[] sevens = {7, 7, 7, 7, 7, 7, 7};
            double alone = head.forward(model.transformer().forward(Tensor.ofInts(IDS, 1, IDS.length))).item();
            double aloneSevens = head.forward(model.transformer().forward(Tensor.ofInts(sevens, 1, 7))).item();
            for (PaddedBatch batch : List.of(PaddedBatch.leftPadded(List.of(IDS, sevens), 0),
                    PaddedBatch.rightPadded(List.of(IDS, sevens), 0))) {
                Tensor hidden = model.transformer().forward(batch);                    // (2, 7, C)
                double[] scores = head.forward(hidden, batch).toDoubleArray();
                assertEquals(alone, scores[0], 1e-10);
                assertEquals(aloneSevens, scores[1], 1e-10);
                assertThrows(ShapeException.class, () -> head.forward(hidden.narrow(1, 0, 6), batch));
            }
        }
        model.release();
    }

    @Test
    void deepCopyIsEqualAndIndependent() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        Gpt2LMHeadModel copy = model.deepCopy();
        Map<String, Tensor> a = model.namedParameters();
        Map<String, Tensor> b = copy.namedParameters();
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 0.0, k);
        }
        b.get("transformer.ln_f.bias").fill(7.0);
        assertFalse(a.get("transformer.ln_f.bias").toDoubleArray()[0] == 7.0);
        model.release();
        copy.release();
    }

    @Test
    void frozenTrunkGetsNoGradientButTheHeadDoes() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        ValueHead head = new ValueHead(32, DType.FLOAT64);
        head.initialize(new TensorRandom(5), 0.1);
        model.freeze();
        try (Arena a = Arena.open()) {
            head.forward(model.transformer().forward(Tensor.ofInts(IDS, 1, IDS.length))).sum().backward();
            for (var e : model.namedParameters().entrySet()) {
                assertNull(e.getValue().grad(), e.getKey());
            }
            assertNotNull(head.namedParameters().get("v_head.summary.weight").grad());
        }
        model.unfreeze();
        try (Arena a = Arena.open()) {
            model.loss(Tensor.ofInts(IDS, 1, IDS.length)).backward();
            assertNotNull(model.namedParameters().get("transformer.wte.weight").grad());
        }
        model.release();
        head.release();
    }
}
