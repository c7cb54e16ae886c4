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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** gpt2-stress-l2h4e16 (the real 50,257-token vocabulary) against HF's float32 and float64 runs. */
class Gpt2StressTest {

    @Test
    void everyCaseMatchesHuggingFaceInItsPrecision() {
        JsonNode ref = Fixtures.json("gpt2-stress-l2h4e16/reference.json");
        Gpt2LMHeadModel f32 = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-stress-l2h4e16"), DType.FLOAT32);
        Gpt2LMHeadModel f64 = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-stress-l2h4e16"), DType.FLOAT64);
        int v = 50257;
        for (JsonNode c : ref.get("cases")) {
            boolean isF64 = c.get("dtype").asText().equals("float64");
            Gpt2LMHeadModel model = isF64 ? f64 : f32;
            double tol = isF64 ? 1e-9 : 1e-4;
            double floor = isF64 ? 1e-3 : 1.0;
            String label = c.get("case").asText() + "/" + c.get("dtype").asText();
            int[] ids = Fixtures.ints(c.get("input_ids"));
            int t = ids.length;
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                List<Tensor> hidden = model.transformer().hiddenStates(Tensor.ofInts(ids, 1, t));      // (1, T, C) each
                Tensor logitsT = model.head(hidden.get(hidden.size() - 1));                             // (1, T, V)
                double worst = 0;
                for (int i = 0; i < hidden.size(); i++) {
                    worst = Math.max(worst, Fixtures.maxRelativeError(hidden.get(i).to(DType.FLOAT64).toDoubleArray(),
                            Fixtures.doubles(c.get("hidden_states").get(i)), floor));
                }
                double[] logits = logitsT.to(DType.FLOAT64).toDoubleArray();
                double[] first16 = new double[t * 16];
                for (int p = 0; p < t; p++) {
                    System.arraycopy(logits, p * v, first16, p * 16, 16);
                }
                worst = Math.max(worst, Fixtures.maxRelativeError(first16, Fixtures.doubles(c.get("logits_first16")), floor));
                double[] lse = logitsT.logSumExp(2, false).to(DType.FLOAT64).toDoubleArray();
                worst = Math.max(worst, Fixtures.maxRelativeError(lse, Fixtures.doubles(c.get("logits_logsumexp")), floor));
                int[] argmax = new int[t];
                int[][] top5 = new int[t][];
                for (int p = 0; p < t; p++) {
                    double[] row = Arrays.copyOfRange(logits, p * v, (p + 1) * v);
                    Integer[] order = new Integer[v];
                    for (int j = 0; j < v; j++) {
                        order[j] = j;
                    }
                    Arrays.sort(order, (x, y) -> Double.compare(row[y], row[x]));
                    argmax[p] = order[0];
                    top5[p] = Arrays.stream(order, 0, 5).mapToInt(Integer::intValue).toArray();
                }
                assertArrayEquals(Fixtures.ints(c.get("argmax")), argmax, label + " argmax");
                for (int p = 0; p < t; p++) {
                    assertArrayEquals(Fixtures.ints(c.get("top5_ids").get(p)), top5[p], label + " top5 at " + p);
                }
                if (t > 1) {
                    double[] logp = new double[t - 1];
                    double nll = 0;
                    for (int p = 0; p < t - 1; p++) {
                        logp[p] = logits[p * v + ids[p + 1]] - lse[p];
                        nll -= logp[p] / (t - 1);
                    }
                    worst = Math.max(worst, Fixtures.maxRelativeError(logp, Fixtures.doubles(c.get("next_token_logprobs")), floor));
                    double want = c.get("mean_next_token_nll_float64_from_logprobs").asDouble();
                    assertEquals(want, nll, tol * want, label + " loss");
                }
                System.out.printf("stress %s: max rel err %.3e%n", label, worst);
                assertTrue(worst < tol, label + ": max relative error " + worst);
            }
        }
        f32.release();
        f64.release();
    }
}
