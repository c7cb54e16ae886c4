package dev.rlhf4j.rlhf;

import static dev.rlhf4j.rlhf.Fixtures.doubles;
import static dev.rlhf4j.rlhf.Fixtures.maxAbsDiff;
import static dev.rlhf4j.rlhf.Fixtures.tensor;
import static dev.rlhf4j.rlhf.Fixtures.upstreamVector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.advantage.GeneralizedAdvantageEstimation;
import dev.rlhf4j.rlhf.dpo.HingeDpoLoss;
import dev.rlhf4j.rlhf.dpo.PreferenceLogProbs;
import dev.rlhf4j.rlhf.dpo.PreferenceOutput;
import dev.rlhf4j.rlhf.dpo.SigmoidDpoLoss;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.ppo.ClippedSurrogateLoss;
import dev.rlhf4j.rlhf.reward.RewardShaping;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The expected values upstream test suites assert (fixtures/rlhf-vectors/upstream_vectors.json), each checked to
 * the tolerance its vector states, and additionally to 1e-12 against the vector's own float64 recomputation
 * where it has one (upstream rounds its expectations to a few digits).
 */
class UpstreamVectorsTest {
    private static final double FLOAT64_TOL = 1e-12;

    private Arena arena;

    @BeforeEach
    void open() {
        arena = Arena.open();
    }

    @AfterEach
    void close() {
        arena.close();
    }

    /**
     * rlax's convention maps directly onto {@link GeneralizedAdvantageEstimation#truncated}: per-step discounts
     * gamma_t = gamma (1 - done_t) and T+1 values whose last one bootstraps.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rlax_truncated_gae_lambda_1.0", "rlax_truncated_gae_lambda_0.7"})
    void rlaxTruncatedGae(String name) {
        JsonNode v = upstreamVector(name);
        Tensor r = tensor(v.get("r_t"));                                                     // (2, 5)
        double[] adv = GeneralizedAdvantageEstimation.truncated(r.toDoubleArray(), tensor(v.get("discount_t")).toDoubleArray(),
                tensor(v.get("values")).toDoubleArray(), v.get("lambda").asDouble(), (int) r.size(0), (int) r.size(1));  // (2, 5)
        assertTrue(maxAbsDiff(adv, doubles(v.get("expected_advantages"))) <= v.get("atol").asDouble());
        assertTrue(maxAbsDiff(adv, doubles(v.get("recomputed_float64"))) <= FLOAT64_TOL);
    }

    /**
     * rlax computes pi(a_t) from softmax(logits_t) of a (T, A) array; as a batch of one sequence that is
     * {@link TokenLogProbs#ofActions} on (1, T, A). Its two expected losses are two single-row batches whose
     * advantages differ in sign.
     */
    @Test
    void rlaxClippedSurrogate() {
        JsonNode v = upstreamVector("rlax_clipped_surrogate_pg_loss");
        Tensor actions = Tensor.ofLongs(new long[] {v.get("actions").get(0).asLong(), v.get("actions").get(1).asLong(),
            v.get("actions").get(2).asLong()}, 1, 3);                                          // (1, 3)
        Tensor mask = Tensor.ones(DType.FLOAT64, 1, 3);                                     // (1, 3)
        Tensor logp = TokenLogProbs.ofActions(tensor(v.get("logits")).reshape(1, 3, 3), actions, mask, 1.0).logProbs();
        Tensor oldLogp = TokenLogProbs.ofActions(tensor(v.get("old_logits")).reshape(1, 3, 3), actions, mask, 1.0).logProbs();
        ClippedSurrogateLoss loss = new ClippedSurrogateLoss(v.get("epsilon").asDouble());
        String[] rows = {"advantages_row0", "advantages_row1"};
        for (int i = 0; i < 2; i++) {
            Tensor advantages = tensor(v.get(rows[i])).reshape(1, 3);                      // (1, 3)
            double got = loss.compute(logp, oldLogp, advantages, mask).loss().item();
            assertEquals(v.get("expected_loss").get(i).asDouble(), got, v.get("atol").asDouble(), rows[i]);
            assertEquals(v.get("recomputed_float64").get(i).asDouble(), got, FLOAT64_TOL, rows[i]);
        }
    }

    private static PreferenceLogProbs torchtunePairs(JsonNode v) {
        return new PreferenceLogProbs(tensor(v.get("policy_chosen_logps")), tensor(v.get("policy_rejected_logps")),
                tensor(v.get("ref_chosen_logps")), tensor(v.get("ref_rejected_logps")));
    }

    @Test
    void torchtuneDpoSigmoid() {
        JsonNode v = upstreamVector("torchtune_dpo_sigmoid_loss");
        PreferenceOutput out = new SigmoidDpoLoss(v.get("beta").asDouble(), 0.0).compute(torchtunePairs(v));
        double[] losses = out.losses().toDoubleArray();
        assertTrue(maxAbsDiff(losses, doubles(v.get("expected_losses"))) <= v.get("atol").asDouble());
        assertTrue(maxAbsDiff(losses, doubles(v.get("recomputed_float64"))) <= FLOAT64_TOL);
        JsonNode extra = v.get("extra_recomputed_float64");
        assertTrue(maxAbsDiff(out.chosenRewards().toDoubleArray(), doubles(extra.get("chosen_rewards=beta*(pc-rc)"))) <= FLOAT64_TOL);
        assertTrue(maxAbsDiff(out.rejectedRewards().toDoubleArray(), doubles(extra.get("rejected_rewards=beta*(pr-rr)"))) <= FLOAT64_TOL);
    }

    /** torchtune's RSO loss with gamma = 0.1 is the hinge loss with beta = 0.1. */
    @Test
    void torchtuneRsoHinge() {
        JsonNode v = upstreamVector("torchtune_rso_hinge_loss");
        double[] losses = new HingeDpoLoss(v.get("gamma").asDouble()).compute(torchtunePairs(v)).losses().toDoubleArray();
        assertTrue(maxAbsDiff(losses, doubles(v.get("expected_losses"))) <= v.get("atol").asDouble());
        assertTrue(maxAbsDiff(losses, doubles(v.get("recomputed_float64"))) <= FLOAT64_TOL);
    }

    /**
     * torchtune's {@code get_rewards_ppo} without {@code valid_score_idxs} adds the score at the last position,
     * which is {@link RewardShaping}'s "last completion token" under an all-ones mask; its kl_coeff is beta.
     */
    @Test
    void torchtuneGetRewardsPpo() {
        JsonNode v = upstreamVector("torchtune_get_rewards_ppo");
        RewardShaping.ShapedRewards out = RewardShaping.trlDefaults().apply(tensor(v.get("scores")), tensor(v.get("logprobs")),
                tensor(v.get("ref_logprobs")), Tensor.ones(DType.FLOAT64, 3, 3), v.get("kl_coeff").asDouble());
        double atol = v.get("atol").asDouble();
        JsonNode exact = v.get("recomputed_float64");
        assertTrue(maxAbsDiff(out.kl().toDoubleArray(), doubles(v.get("expected_kl"))) <= atol);
        assertTrue(maxAbsDiff(out.klRewards().toDoubleArray(), doubles(v.get("expected_kl_rewards"))) <= atol);
        assertTrue(maxAbsDiff(out.rewards().toDoubleArray(), doubles(v.get("expected_rewards"))) <= atol);
        assertTrue(maxAbsDiff(out.kl().toDoubleArray(), doubles(exact.get("kl"))) <= FLOAT64_TOL);
        assertTrue(maxAbsDiff(out.klRewards().toDoubleArray(), doubles(exact.get("kl_rewards"))) <= FLOAT64_TOL);
        assertTrue(maxAbsDiff(out.rewards().toDoubleArray(), doubles(exact.get("rewards"))) <= FLOAT64_TOL);
    }

    /**
     * OpenRLHF's estimators, each clamped to [-10, 10], on the input vector of its k3 test. These expected values are
     * derived, not upstream's: OpenRLHF's test asserts only that k3 matches its own float64 reference, so the
     * fixture's values were computed in float64 from the definitions. All its log-ratios are <= 0.
     */
    @Test
    void openRlhfKlEstimators() {
        JsonNode v = upstreamVector("openrlhf_kl_estimators");
        String[] keys = {"computed_k1", "computed_k2", "computed_k3"};
        double[][] expected = new double[3][];
        for (KlEstimator k : KlEstimator.values()) {
            expected[k.ordinal()] = doubles(v.get(keys[k.ordinal()]));
        }
        assertClampedEstimators(doubles(v.get("log_probs")), doubles(v.get("log_probs_base")), expected);
    }

    /**
     * The positive side, which the OpenRLHF vector lacks: log-ratios r = 1/16, 1/2, 1, 3, 9.5, 10.5, 12, 90 (exact
     * in binary), as logp = -0.5 against a reference of -0.5 - r. Derived here, not from any upstream test: each
     * value is the definition (k1 = r, k2 = r^2 / 2, k3 = e^-r - 1 + r) evaluated in float64 by Python's math
     * module (k3 as expm1(-r) + r) and then clamped to [-10, 10]. At r = 10.5 k3 = 9.50003 is inside the clamp
     * although r is not: the clamp bounds the estimate, not the log-ratio.
     */
    @Test
    void openRlhfKlEstimatorsOnPositiveLogRatios() {
        double[] logp = {-0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5};
        double[] base = {-0.5625, -1.0, -1.5, -3.5, -10.0, -11.0, -12.5, -90.5};
        double[][] expected = {
            {0.0625, 0.5, 1.0, 3.0, 9.5, 10.0, 10.0, 10.0},
            {0.001953125, 0.125, 0.5, 4.5, 10.0, 10.0, 10.0, 10.0},
            {0.0019130628134757868, 0.10653065971263342, 0.36787944117144233, 2.049787068367864, 8.500074851829888,
                9.50002753644935, 10.0, 10.0},
        };
        assertClampedEstimators(logp, base, expected);
    }

    /** Each estimator clamped to [-10, 10] on (1, n) log-probs: to 1e-12 in float64, to float32 rounding in float32. */
    private static void assertClampedEstimators(double[] logProbs, double[] baseLogProbs, double[][] expected) {
        int n = logProbs.length;
        Tensor logp = Tensor.of(logProbs, DType.FLOAT64, 1, n);                             // (1, n)
        Tensor base = Tensor.of(baseLogProbs, DType.FLOAT64, 1, n);                         // (1, n)
        Tensor mask = Tensor.ones(DType.FLOAT64, 1, n);                                     // (1, n)
        for (KlEstimator k : KlEstimator.values()) {
            double[] want = expected[k.ordinal()];
            double[] got64 = k.perToken(logp, base, mask, 10.0).toDoubleArray();
            assertTrue(maxAbsDiff(got64, want) <= FLOAT64_TOL, k + " float64");
            double[] got32 = k.perToken(logp.to(DType.FLOAT32), base.to(DType.FLOAT32), mask.to(DType.FLOAT32), 10.0).toDoubleArray();
            for (int i = 0; i < n; i++) {
                assertEquals(want[i], got32[i], 1e-6 + 1e-5 * Math.abs(want[i]), k + " float32 element " + i);
            }
        }
    }

    /** TRL's invariant: at step 1 the policy is the reference, every delta is 0 and the sigmoid loss is ln 2. */
    @Test
    void trlDpoLossIsLn2WhenPolicyEqualsReference() {
        JsonNode v = upstreamVector("dpo_invariant_policy_equals_reference");
        Tensor chosen = Tensor.of(new double[] {-12.5, -3.25, -40.0}, 3);                  // (3)
        Tensor rejected = Tensor.of(new double[] {-7.0, -19.5, -0.5}, 3);                  // (3)
        double loss = SigmoidDpoLoss.trlDefaults().compute(new PreferenceLogProbs(chosen, rejected, chosen.copy(), rejected.copy()))
                .loss().item();
        assertEquals(v.get("ln2").asDouble(), loss, 1e-15);
        // TRL recorded its loss in float32: within half a float32 ulp of ln 2 (ulp 6e-8 at 0.69).
        assertEquals(v.get("expected_loss").asDouble(), loss, 3e-8);
    }
}
