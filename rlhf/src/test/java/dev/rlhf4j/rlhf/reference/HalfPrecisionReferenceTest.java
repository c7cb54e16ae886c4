package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.SafetensorsReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The half-precision copy: its weights are torch's rounding of the float32 weights (the fixture's model.bf16 /
 * model.f16 files, written by torch), its log-probs are those of HF's forward of the rounded weights, and they lie
 * within the rounding's own effect of the float32 reference's.
 *
 * <p>The tolerance against float32: log_softmax is 2-Lipschitz in the max norm, |d logp_i| <= |dz_i| + |d lse(z)| <=
 * 2 max_j |dz_j|, so the log-probs can move at most twice as far as the logits. How far rounding the weights moves the
 * logits is recorded by HF itself (the fixture's logits of the rounded weights against the float32 ones: 0.20 for
 * bfloat16, 0.028 for float16 on this all-random model), so the bound is 2 max|dz| + 1e-4 of float32 compute, and is
 * derived from an outside forward rather than chosen to pass.
 */
class HalfPrecisionReferenceTest {
    private static final String[] KINDS = {"bf16", "f16"};

    private static DType type(String kind) {
        return kind.equals("bf16") ? DType.BFLOAT16 : DType.FLOAT16;
    }

    @Test
    void weightsAreRoundedToNearestExactlyAsTorchRoundsThem() {
        Gpt2LMHeadModel policy = Tiny.fixtureModel(DType.FLOAT32);
        for (String kind : KINDS) {
            try (FrozenCopyReference ref = HalfPrecisionReference.of(policy, type(kind));
                 SafetensorsReader torch = SafetensorsReader.open(Tiny.fixture().resolve("model." + kind + ".safetensors"))) {
                for (Map.Entry<String, Tensor> e : ref.weights().entrySet()) {
                    assertEquals(type(kind), e.getValue().dtype());
                    Tensor want = torch.read(e.getKey());
                    assertArrayEquals(want.toDoubleArray(), e.getValue().toDoubleArray(), 0.0, kind + " " + e.getKey());
                    want.release();
                }
                assertEquals(2L * policy.numParameters(), ref.heldBytes(), "half the bytes of the float32 copy");
            }
        }
        policy.release();
    }

    @Test
    void logProbsAreFloat32AndWithinTheRoundingBoundOfTheFloat32Reference() {
        JsonNode fixture = Tiny.reference();
        int[] ids = Tiny.ints(fixture.get("single").get("input_ids"));
        double[] exact = FrozenCopyReferenceTest.hostLogProbs(fixture.get("single").get("logits"), ids);
        PaddedBatch batch = PaddedBatch.rightPadded(List.of(ids), 0);
        Tensor all = Tensor.ones(DType.FLOAT32, 1, ids.length - 1);
        Gpt2LMHeadModel policy = Tiny.fixtureModel(DType.FLOAT32);
        double[] float32 = Tiny.values(new FrozenCopyReference(policy), batch, all);
        for (String kind : KINDS) {
            JsonNode rounded = fixture.get("rounded_weights").get(kind).get("logits");
            double[] hfRounded = FrozenCopyReferenceTest.hostLogProbs(rounded, ids);
            double logitShift = maxAbsDiff(fixture.get("single").get("logits"), rounded);
            try (FrozenCopyReference ref = HalfPrecisionReference.of(policy, type(kind))) {
                try (Arena a = Arena.open()) {
                    assertEquals(DType.FLOAT32, ref.logProbs(batch, all).logProbs().dtype(), "computed and returned in float32");
                }
                double[] half = Tiny.values(ref, batch, all);
                assertArrayEquals(hfRounded, half, 1e-4, kind + ": HF's forward of the same rounded weights");
                double bound = 2 * logitShift + 1e-4;
                double worst = 0;
                for (int i = 0; i < half.length; i++) {
                    worst = Math.max(worst, Math.abs(half[i] - float32[i]));
                    assertEquals(exact[i], float32[i], 1e-4);
                }
                System.out.printf("%s reference: max |logp - logp_f32| = %.3e (bound 2 max|dz| + 1e-4 = %.3e)%n", kind, worst, bound);
                assertTrue(worst <= bound, kind + " " + worst + " > " + bound);
                assertTrue(worst > 1e-6, kind + ": the rounding must show, or this test compares float32 with itself");
            }
        }
        policy.release();
    }

    @Test
    void onlyHalfTypesAreAccepted() {
        Gpt2LMHeadModel policy = Tiny.random(1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HalfPrecisionReference.of(policy, DType.FLOAT32));
        assertTrue(e.getMessage().contains("FLOAT32"), e.getMessage());
        policy.release();
    }

    private static double maxAbsDiff(JsonNode a, JsonNode b) {
        double worst = 0;
        for (int t = 0; t < a.size(); t++) {
            for (int v = 0; v < a.get(t).size(); v++) {
                worst = Math.max(worst, Math.abs(a.get(t).get(v).asDouble() - b.get(t).get(v).asDouble()));
            }
        }
        return worst;
    }
}
