package dev.rlhf4j.nn.llama;

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
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four Llama-family fixtures (llama GQA 4:2 untied, llama3 RoPE scaling GQA 4:1, qwen2 q/k/v bias, qwen3 q/k norms
 * with head_dim 16) against transformers' float64 forward (reference.json): hidden states of every layer, logits and
 * loss of one sequence, and a left-padded batch at its real tokens.
 *
 * <p>Tolerance: the references are not pure float64. transformers runs three steps in float32 even in a float64 model:
 * {@code LlamaRMSNorm} casts its input to float32, eager attention's softmax takes {@code dtype=torch.float32}, and the
 * rotary embedding computes cos and sin in float32. Measured on these fixtures: reproducing the float32 RMSNorm with
 * PyTorch's AVX2 summation order (8 lanes) makes the first position's hidden states agree to 4e-15, and adding a float32
 * softmax makes the second position agree to 1e-14 (llama3, qwen3); the remaining positions differ by the ulps of
 * SLEEF's float32 exp, cos and sin. This model computes those steps in its own precision, so float64 agrees with the
 * references to float32 rounding (worst measured 1.5e-5 on logits, floor 1), and is checked at 1e-9 where the reference is
 * float64-exact: gradients against finite differences ({@link LlamaGradientTest}), padded against unpadded rows here.
 */
class LlamaForwardTest {
    static final String[] FIXTURES = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"};

    /** |a - e| / max(|e|, 1): rtol = atol, as torch.allclose, since float32 rounding is absolute near zero. */
    private static double floor(DType type) {
        return 1.0;
    }

    /** transformers' float32 steps (see above) bound the agreement of both precisions. */
    static final double TRANSFORMERS_FLOAT32_STEPS = 1e-4;

    private static double tolerance(DType type) {
        return TRANSFORMERS_FLOAT32_STEPS;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"})
    void hiddenStatesAndLogitsMatchTransformers(String fixture) {
        JsonNode single = Fixtures.json(fixture + "/reference.json").get("single");
        int[] ids = Fixtures.ints(single.get("input_ids"));
        for (DType type : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(Fixtures.path(fixture), type);
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                List<Tensor> hidden = model.model().hiddenStates(Tensor.ofInts(ids, 1, ids.length));
                JsonNode hs = single.get("hidden_states");
                assertEquals(hs.size(), hidden.size());
                double worst = 0;
                for (int i = 0; i < hs.size(); i++) {
                    double err = Fixtures.maxRelativeError(hidden.get(i).to(DType.FLOAT64).toDoubleArray(), Fixtures.doubles(hs.get(i)), floor(type));
                    worst = Math.max(worst, err);
                    assertTrue(err < tolerance(type), fixture + " " + type + " hidden_states[" + i + "] error " + err);
                }
                Tensor logits = model.head(hidden.get(hidden.size() - 1));
                double err = Fixtures.maxRelativeError(logits.to(DType.FLOAT64).toDoubleArray(), Fixtures.doubles(single.get("logits")), floor(type));
                System.out.printf("%s %s: hidden states max rel err %.3e, logits %.3e%n", fixture, type, worst, err);
                assertTrue(err < tolerance(type), fixture + " " + type + " logits error " + err);
                double loss = model.loss(Tensor.ofInts(ids, 1, ids.length)).item();
                double expected = single.get("loss_mean_next_token_ce").asDouble();
                // transformers computes its loss on logits.float(): the recorded value carries float32 rounding
                assertEquals(expected, loss, (type == DType.FLOAT64 ? 1e-6 : 1e-5) * expected, fixture + " " + type + " loss");
            } finally {
                model.release();
            }
        }
    }

    /**
     * The reference's padded row is NaN everywhere, real tokens included (transformers' float64 SDPA gives a fully
     * masked pad query NaN, which reaches every position through the next layer's values), so its real tokens are
     * compared with transformers where the reference is finite (the unpadded row) and with the row's own unpadded
     * forward everywhere.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"})
    void leftPaddedBatchMatchesAtRealTokens(String fixture) {
        JsonNode batch = Fixtures.json(fixture + "/reference.json").get("left_padded_batch");
        int[] ids = Fixtures.ints(batch.get("input_ids"));
        int[] mask = Fixtures.ints(batch.get("attention_mask"));
        double[] expected = Fixtures.doubles(batch.get("logits"));
        int rows = batch.get("input_ids").size();
        int t = batch.get("input_ids").get(0).size();
        List<int[]> seqs = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            seqs.add(IntStream.range(r * t, (r + 1) * t).filter(p -> mask[p] == 1).map(p -> ids[p]).toArray());
        }
        PaddedBatch padded = PaddedBatch.leftPadded(seqs, 0);                        // the fixture pads with id 0
        assertArrayEquals(mask, flat(padded.attentionMask()));
        assertArrayEquals(Fixtures.ints(batch.get("position_ids")), flat(padded.positionIds()));
        for (DType type : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(Fixtures.path(fixture), type);
            int v = model.config().vocabSize();
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                double[] logits = model.forward(padded).to(DType.FLOAT64).toDoubleArray();
                double worst = 0;
                double worstAlone = 0;
                for (int r = 0; r < rows; r++) {
                    int pads = t - seqs.get(r).length;
                    double[] alone = model.forward(Tensor.ofInts(seqs.get(r), 1, seqs.get(r).length)).to(DType.FLOAT64).toDoubleArray();
                    for (int j = pads; j < t; j++) {
                        int p = r * t + j;
                        double[] got = Arrays.copyOfRange(logits, p * v, (p + 1) * v);
                        double[] want = Arrays.copyOfRange(expected, p * v, (p + 1) * v);
                        if (Double.isFinite(want[0])) {
                            worst = Math.max(worst, Fixtures.maxRelativeError(got, want, floor(type)));
                        }
                        worstAlone = Math.max(worstAlone, Fixtures.maxRelativeError(got,
                                Arrays.copyOfRange(alone, (j - pads) * v, (j - pads + 1) * v), floor(type)));
                    }
                }
                System.out.printf("%s %s: left-padded logits max rel err %.3e vs transformers, %.3e vs each row alone%n",
                        fixture, type, worst, worstAlone);
                assertTrue(worst < tolerance(type), fixture + " " + type + " left padded error " + worst);
                assertTrue(worstAlone < (type == DType.FLOAT64 ? 1e-9 : 1e-5), fixture + " " + type + " padded vs alone " + worstAlone);
            } finally {
                model.release();
            }
        }
    }

    private static int[] flat(int[][] rows) {
        return Arrays.stream(rows).flatMapToInt(Arrays::stream).toArray();
    }
}
