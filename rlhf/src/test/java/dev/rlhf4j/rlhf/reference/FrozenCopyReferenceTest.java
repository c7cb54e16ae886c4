package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frozen copy against Hugging Face: its log-probs are log_softmax of HF's recorded logits gathered at the next
 * token (an outside computation), for a plain and a left-padded batch; and it is frozen, in eval mode, independent of
 * the policy, and its seal names what moved.
 */
class FrozenCopyReferenceTest {

    /** log_softmax(logits[t])[ids[t+1]] in float64 on the host, from HF's (T, V) logits of one row. */
    static double[] hostLogProbs(JsonNode logits, int[] ids) {
        double[] out = new double[ids.length - 1];
        for (int t = 0; t + 1 < ids.length; t++) {
            JsonNode row = logits.get(t);
            double max = Double.NEGATIVE_INFINITY;
            for (JsonNode v : row) {
                max = Math.max(max, v.asDouble());
            }
            double sum = 0;
            for (JsonNode v : row) {
                sum += Math.exp(v.asDouble() - max);
            }
            out[t] = row.get(ids[t + 1]).asDouble() - max - Math.log(sum);
        }
        return out;
    }

    @Test
    void logProbsAreLogSoftmaxOfHuggingFaceLogitsAtTheNextToken() {
        JsonNode single = Tiny.reference().get("single");
        int[] ids = Tiny.ints(single.get("input_ids"));
        double[] want = hostLogProbs(single.get("logits"), ids);
        PaddedBatch batch = PaddedBatch.rightPadded(List.of(ids), 0);
        Tensor all = Tensor.ones(DType.FLOAT64, 1, ids.length - 1);
        for (DType type : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            Gpt2LMHeadModel policy = Tiny.fixtureModel(type);
            try (FrozenCopyReference ref = new FrozenCopyReference(policy)) {
                double[] got = Tiny.values(ref, batch, all);
                double tol = type == DType.FLOAT64 ? 1e-9 : 1e-4;
                assertArrayEquals(want, got, tol, type + " log-probs vs HF");
            }
            policy.release();
        }
    }

    @Test
    void leftPaddedRowsGetTheirOwnLogProbsAndMaskedEntriesAreZero() {
        JsonNode lp = Tiny.reference().get("left_padded_batch");
        int[][] ids = {Tiny.ints(lp.get("input_ids").get(0)), Tiny.ints(lp.get("input_ids").get(1))};
        int[] real1 = {417, 221, 476, 384};
        PaddedBatch batch = PaddedBatch.leftPadded(List.of(ids[0], real1), 0);
        assertArrayEquals(Tiny.ints(lp.get("position_ids").get(1)), batch.positionIds()[1]);
        Tensor mask = Tiny.completionMask(batch, 1);                                        // (2, 6)
        Gpt2LMHeadModel policy = Tiny.fixtureModel(DType.FLOAT64);
        try (FrozenCopyReference ref = new FrozenCopyReference(policy)) {
            double[] got = Tiny.values(ref, batch, mask);
            double[] m = mask.toDoubleArray();
            for (int r = 0; r < 2; r++) {
                double[] want = hostLogProbs(lp.get("logits").get(r), ids[r]);
                for (int t = 0; t < 6; t++) {
                    double expected = m[r * 6 + t] == 0 ? 0.0 : want[t];
                    assertEquals(expected, got[r * 6 + t], 1e-9, "row " + r + " position " + t);
                }
            }
            assertEquals(0.0, got[6 + 2], 0.0, "row 1 predicts its first real token from a pad: masked");
        }
        policy.release();
    }

    @Test
    void theCopyIsFrozenInEvalModeAndIndependentOfThePolicy() {
        Gpt2Config withDropout = new Gpt2Config(2, 4, 16, 32, 64, 1e-5, "gelu_new", "float32", 63, 63, 0.3, 0.3, 0.3);
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.random(withDropout, DType.FLOAT32, 9);
        policy.train(new TensorRandom(1));
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(3, 10, 64, 2), 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        try (FrozenCopyReference ref = new FrozenCopyReference(policy)) {
            ref.weights().values().forEach(w -> assertFalse(w.requiresGrad()));
            double[] first = Tiny.values(ref, batch, mask);
            assertArrayEquals(first, Tiny.values(ref, batch, mask), 0.0, "no dropout: two passes agree exactly");
            policy.eval();
            assertArrayEquals(first, Tiny.values(new FrozenCopyReference(policy), batch, mask), 0.0, "eval mode");
            policy.namedParameters().get("transformer.h.0.attn.c_attn.weight").fill(0.5);
            assertArrayEquals(first, Tiny.values(ref, batch, mask), 0.0, "a change to the policy does not reach the copy");
            assertEquals(4L * policy.numParameters(), ref.heldBytes());
        }
        policy.release();
    }

    @Test
    void verifyFrozenNamesTheParameterThatMovedOrRequiresGrad() {
        Gpt2LMHeadModel policy = Tiny.random(2, 3);
        try (FrozenCopyReference ref = new FrozenCopyReference(policy)) {
            ref.verifyFrozen();
            Tensor w = ref.weights().get("transformer.h.1.mlp.c_fc.bias");
            w.requiresGrad(true);
            IllegalStateException grad = assertThrows(IllegalStateException.class, ref::verifyFrozen);
            assertTrue(grad.getMessage().contains("'transformer.h.1.mlp.c_fc.bias' requires grad"), grad.getMessage());
            w.requiresGrad(false);
            w.addInPlace(Tensor.full(1e-3, DType.FLOAT32, w.shape()), 1.0);
            IllegalStateException moved = assertThrows(IllegalStateException.class, ref::verifyFrozen);
            assertTrue(moved.getMessage().contains("'transformer.h.1.mlp.c_fc.bias' changed"), moved.getMessage());
        }
        policy.release();
    }

    @Test
    void aMaskOfTheWrongShapeIsRefusedNamingBothShapes() {
        Gpt2LMHeadModel policy = Tiny.random(1, 4);
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(2, 6, 64, 1), 0);
        try (FrozenCopyReference ref = new FrozenCopyReference(policy)) {
            ShapeException e = assertThrows(ShapeException.class,
                    () -> ref.logProbs(batch, Tensor.ones(DType.FLOAT32, 2, batch.length())));
            assertTrue(e.getMessage().contains("(2, " + batch.length() + ")") && e.getMessage().contains("[2," + batch.length() + "]"),
                    e.getMessage());
        }
        policy.release();
    }
}
