package dev.rlhf4j.rlhf;

import static dev.rlhf4j.rlhf.Batches.assertClose;
import static dev.rlhf4j.rlhf.Fixtures.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.dpo.HingeDpoLoss;
import dev.rlhf4j.rlhf.dpo.IpoLoss;
import dev.rlhf4j.rlhf.dpo.PreferenceLogProbs;
import dev.rlhf4j.rlhf.dpo.PreferenceOutput;
import dev.rlhf4j.rlhf.dpo.SigmoidDpoLoss;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import org.junit.jupiter.api.Test;

/**
 * The formulas of e2e_rlhf_two_models.json (masking, sums, k1/k2/k3, DPO delta, losses, implicit rewards) applied to
 * its recorded per-token log-probs, which PyTorch computed in float64 from the two fixture GPT-2 models. No model
 * runs here: the logits-to-log-probs step and the exact KL are the two-model test's, which needs GPT-2.
 */
class E2eFormulasTest {
    private static final double REL = 1e-9;
    /** The fixture stores loss_ipo and loss_hinge rounded to float32 (float32(x) of the float64 value; half an ulp is 6e-8 relative). */
    private static final double FLOAT32_REL = 6e-8;

    private static Tensor row(JsonNode array) {
        double[] v = doubles(array);
        return Tensor.of(v, DType.FLOAT64, 1, v.length);
    }

    private static void assertRel(double expected, double actual, double rel, String what) {
        assertEquals(expected, actual, rel * Math.abs(expected), what);
    }

    @Test
    void sumsEstimatorsAndDpoQuantitiesMatchPyTorch() {
        JsonNode e2e = Fixtures.json("e2e_rlhf_two_models.json");
        double beta = e2e.get("beta").asDouble();
        try (Arena arena = Arena.open()) {
            Tensor[] policySums = new Tensor[2];
            Tensor[] referenceSums = new Tensor[2];
            String[] sides = {"chosen", "rejected"};
            for (int i = 0; i < 2; i++) {
                JsonNode side = e2e.get(sides[i]);
                Tensor mask = row(side.get("completion_mask"));                             // (1, T-1)
                Tensor all = Tensor.ones(DType.FLOAT64, mask.shape());                     // (1, T-1)
                Tensor logp = row(side.get("policy_logprobs"));                            // (1, T-1)
                Tensor logq = row(side.get("reference_logprobs"));                         // (1, T-1)
                for (KlEstimator k : KlEstimator.values()) {
                    String key = k.name().toLowerCase(java.util.Locale.ROOT);
                    // the fixture's k's come from unrounded log-probs; k3 amplifies the 1e-16 input rounding by up to e^|r|
                    assertClose(doubles(side.get(key)), k.perToken(logp, logq, all).toDoubleArray(), REL, sides[i] + " " + key);
                }
                policySums[i] = new TokenLogProbs(logp, mask).sum();                       // (1)
                referenceSums[i] = new TokenLogProbs(logq, mask).sum();                    // (1)
                assertRel(side.get("policy_logprob_sum").asDouble(), policySums[i].item(), REL, sides[i] + " policy sum");
                assertRel(side.get("reference_logprob_sum").asDouble(), referenceSums[i].item(), REL, sides[i] + " reference sum");
            }
            PreferenceLogProbs pairs = new PreferenceLogProbs(policySums[0], policySums[1], referenceSums[0], referenceSums[1]);
            JsonNode dpo = e2e.get("dpo");
            assertRel(dpo.get("delta").asDouble(), pairs.delta().item(), REL, "delta");
            PreferenceOutput sigmoid = new SigmoidDpoLoss(beta, 0.0).compute(pairs);
            assertRel(dpo.get("loss_sigmoid").asDouble(), sigmoid.loss().item(), REL, "sigmoid loss");
            assertRel(dpo.get("reward_chosen").asDouble(), sigmoid.chosenRewards().item(), REL, "chosen reward");
            assertRel(dpo.get("reward_rejected").asDouble(), sigmoid.rejectedRewards().item(), REL, "rejected reward");
            assertRel(dpo.get("reward_margin").asDouble(), sigmoid.margins().item(), REL, "margin");
            assertRel(dpo.get("loss_ipo").asDouble(), new IpoLoss(beta).compute(pairs).loss().item(), FLOAT32_REL, "IPO loss");
            assertRel(dpo.get("loss_hinge").asDouble(), new HingeDpoLoss(beta).compute(pairs).loss().item(), FLOAT32_REL, "hinge loss");
        }
    }
}
