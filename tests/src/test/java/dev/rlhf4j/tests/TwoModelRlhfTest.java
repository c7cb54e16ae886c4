package dev.rlhf4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.dpo.HingeDpoLoss;
import dev.rlhf4j.rlhf.dpo.IpoLoss;
import dev.rlhf4j.rlhf.dpo.PreferenceLogProbs;
import dev.rlhf4j.rlhf.dpo.PreferenceOutput;
import dev.rlhf4j.rlhf.dpo.SigmoidDpoLoss;
import dev.rlhf4j.rlhf.kl.ExactKl;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end against PyTorch: the two fixture GPT-2 models (policy and frozen reference) run through rlhf4j in
 * float64, and every RLHF quantity of {@code e2e_rlhf_two_models.json} (masked per-token log-probs, sums,
 * k1/k2/k3, exact KL, DPO delta, losses, implicit rewards) matches to 1e-9 relative. The fixture stores
 * the IPO and hinge losses rounded to float32, so those two are compared at float32 resolution.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoModelRlhfTest {
    private static final double TOLERANCE = 1e-9;
    private static final double FLOAT32_STORED = 1e-7;

    private JsonNode fixture;
    private Gpt2LMHeadModel policy;
    private Gpt2LMHeadModel reference;

    @BeforeAll
    void load() {
        fixture = dev.rlhf4j.rlhf.Fixtures.json("e2e_rlhf_two_models.json");                 // rlhf's test-jar
        policy = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);   // nn's test-jar
        reference = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random-ref"), DType.FLOAT64);
        policy.eval();
        reference.eval();
    }

    /** Per-sequence results of one completion (chosen or rejected). */
    private record Sequence(Tensor policySum, Tensor referenceSum) {
    }

    private Sequence checkSequence(String which) {
        JsonNode expected = fixture.get(which);
        int[] ids = concat(ints(fixture.get("prompt_ids")), ints(fixture.get(which + "_ids")));
        int t = ids.length;
        Tensor inputIds = Tensor.ofInts(ids, 1, t);                                         // (1, T)
        Tensor completionMask = Tensor.of(doubles(expected.get("completion_mask")), 1, t - 1); // (1, T-1)
        Tensor all = Tensor.ones(DType.FLOAT64, 1, t - 1);                                   // (1, T-1)
        Tensor policyLogits = policy.forward(inputIds);                                      // (1, T, V)
        Tensor referenceLogits = reference.forward(inputIds);                                // (1, T, V)

        TokenLogProbs policyAll = TokenLogProbs.of(policyLogits, inputIds, all, 1.0);
        TokenLogProbs referenceAll = TokenLogProbs.of(referenceLogits, inputIds, all, 1.0);
        assertClose(which + ".policy_logprobs", expected.get("policy_logprobs"), policyAll.logProbs(), TOLERANCE);
        assertClose(which + ".reference_logprobs", expected.get("reference_logprobs"), referenceAll.logProbs(), TOLERANCE);
        assertClose(which + ".k1", expected.get("k1"), KlEstimator.K1.perToken(policyAll.logProbs(), referenceAll.logProbs(), all), TOLERANCE);
        assertClose(which + ".k2", expected.get("k2"), KlEstimator.K2.perToken(policyAll.logProbs(), referenceAll.logProbs(), all), TOLERANCE);
        assertClose(which + ".k3", expected.get("k3"), KlEstimator.K3.perToken(policyAll.logProbs(), referenceAll.logProbs(), all), TOLERANCE);
        assertClose(which + ".exact_kl", expected.get("exact_kl"), ExactKl.of(policyLogits, referenceLogits, all, 1.0), TOLERANCE);

        Tensor policySum = TokenLogProbs.of(policyLogits, inputIds, completionMask, 1.0).sum();      // (1)
        Tensor referenceSum = TokenLogProbs.of(referenceLogits, inputIds, completionMask, 1.0).sum(); // (1)
        assertRelative(which + ".policy_logprob_sum", expected.get("policy_logprob_sum").asDouble(), policySum.item(), TOLERANCE);
        assertRelative(which + ".reference_logprob_sum", expected.get("reference_logprob_sum").asDouble(), referenceSum.item(), TOLERANCE);
        return new Sequence(policySum, referenceSum);
    }

    @Test
    void logProbsKlAndDpoQuantitiesMatchPyTorch() {
        try (NoGrad ng = NoGrad.enter()) {
            Sequence chosen = checkSequence("chosen");
            Sequence rejected = checkSequence("rejected");
            JsonNode dpo = fixture.get("dpo");
            double beta = fixture.get("beta").asDouble();
            PreferenceLogProbs lp = new PreferenceLogProbs(chosen.policySum(), rejected.policySum(), chosen.referenceSum(), rejected.referenceSum());
            assertRelative("dpo.delta", dpo.get("delta").asDouble(), lp.delta().item(), TOLERANCE);
            PreferenceOutput sigmoid = new SigmoidDpoLoss(beta, 0.0).compute(lp);
            assertRelative("dpo.loss_sigmoid", dpo.get("loss_sigmoid").asDouble(), sigmoid.loss().item(), TOLERANCE);
            assertRelative("dpo.reward_chosen", dpo.get("reward_chosen").asDouble(), sigmoid.chosenRewards().item(), TOLERANCE);
            assertRelative("dpo.reward_rejected", dpo.get("reward_rejected").asDouble(), sigmoid.rejectedRewards().item(), TOLERANCE);
            assertRelative("dpo.reward_margin", dpo.get("reward_margin").asDouble(), sigmoid.margins().item(), TOLERANCE);
            assertRelative("dpo.loss_ipo", dpo.get("loss_ipo").asDouble(), new IpoLoss(beta).compute(lp).loss().item(), FLOAT32_STORED);
            assertRelative("dpo.loss_hinge", dpo.get("loss_hinge").asDouble(), new HingeDpoLoss(beta).compute(lp).loss().item(), FLOAT32_STORED);
        }
    }

    @Test
    void policyAndReferenceDiffer() {
        // guards the fixture wiring: identical models would make every KL zero and every check above trivial
        try (NoGrad ng = NoGrad.enter()) {
            Tensor ids = Tensor.ofInts(ints(fixture.get("prompt_ids")), 1, fixture.get("prompt_ids").size());
            double[] p = policy.forward(ids).toDoubleArray();
            double[] q = reference.forward(ids).toDoubleArray();
            assertTrue(IntStream.range(0, p.length).anyMatch(i -> Math.abs(p[i] - q[i]) > 1e-3));
        }
    }

    private static void assertClose(String what, JsonNode expected, Tensor actual, double tolerance) {
        double[] got = actual.toDoubleArray();
        assertEquals(expected.size(), got.length, what + ": length");
        for (int i = 0; i < got.length; i++) {
            assertRelative(what + "[" + i + "]", expected.get(i).asDouble(), got[i], tolerance);
        }
    }

    private static void assertRelative(String what, double expected, double actual, double tolerance) {
        double scale = Math.max(Math.abs(expected), 1e-12);
        assertTrue(Math.abs(actual - expected) <= tolerance * scale,
                () -> what + ": expected " + expected + " got " + actual + " (relative error " + Math.abs(actual - expected) / scale + ")");
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
