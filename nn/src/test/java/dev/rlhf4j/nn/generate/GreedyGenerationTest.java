package dev.rlhf4j.nn.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.batch.Padding;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Greedy tokens against Hugging Face's model.generate(do_sample=False). */
class GreedyGenerationTest {

    @Test
    void tinyModelGreedyTokensMatchHuggingFace() {
        JsonNode greedy = Fixtures.json("gpt2-tiny-random/reference.json").get("greedy");
        int[] prompt = Fixtures.ints(greedy.get("prompt_ids"));
        int[] expected = Fixtures.ints(greedy.get("output_ids"));
        for (DType type : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), type);
            for (boolean cache : new boolean[] {true, false}) {
                GenerationConfig cfg = GenerationConfig.greedy(greedy.get("max_new_tokens").asInt(), 511).withCache(cache);
                GenerationResult out = new Generator(model).generate(prompt, cfg);
                assertArrayEquals(expected, out.sequences()[0], type + " cache=" + cache);
            }
            model.release();
        }
    }

    @Test
    void stressModelGreedyTokensMatchHuggingFace() {
        JsonNode ref = Fixtures.json("gpt2-stress-l2h4e16/reference.json");
        Gpt2LMHeadModel f32 = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-stress-l2h4e16"), DType.FLOAT32);
        Gpt2LMHeadModel f64 = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-stress-l2h4e16"), DType.FLOAT64);
        for (JsonNode c : ref.get("cases")) {
            Gpt2LMHeadModel model = c.get("dtype").asText().equals("float64") ? f64 : f32;
            int[] prompt = Fixtures.ints(c.get("input_ids"));
            int[] expected = Fixtures.ints(c.get("greedy_generate_8"));
            GenerationResult out = new Generator(model).generate(prompt, GenerationConfig.greedy(8, -1));
            String label = c.get("case").asText() + "/" + c.get("dtype").asText();
            if (prompt.length == 1 && prompt[0] == 50256) {
                // HF's generate treats a prompt that is only the pad token (pad = eos = 50256) as padding: it infers
                // attention_mask [0] while keeping positions 0, 1, ... So only the first token is an unpadded
                // continuation; the second is checked under HF's inferred mask.
                assertEquals(expected[1], out.tokens()[0][0], label);
                try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                    PaddedBatch inferred = PaddedBatch.pad(List.of(new int[] {expected[1]}),
                            Padding.left(expected[0]).withMaxLength(2, Padding.Side.LEFT).withPadToMaxLength())
                            .withPositionIds(new int[][] {{0, 1}});                 // ids [pad, e1], mask [0, 1]
                    Tensor logits = model.forward(inferred);
                    double[] last = logits.to(DType.FLOAT64).toDoubleArray();
                    int best = 50257;
                    for (int i = 50257; i < last.length; i++) {
                        best = last[i] > last[best] ? i : best;
                    }
                    assertEquals(expected[2], best - 50257, label + " under HF's inferred mask");
                }
                continue;
            }
            assertArrayEquals(expected, out.sequences()[0], label);
            assertEquals(8, out.logprobs()[0].length);
        }
        f32.release();
        f64.release();
    }

    @Test
    void nonFiniteLogitsStopGenerationAndSayWhere() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT32);
        try {
            model.namedParameters().get("transformer.ln_f.bias").narrow(0, 3, 1).fill(Double.NaN);
            GenerationConfig sampling = GenerationConfig.sampling(4, 0.8, 0, 1.0, -1, 7);
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> new Generator(model).generate(List.of(new int[] {5, 6}, new int[] {7}), sampling));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("row 0")
                    && e.getMessage().contains("new token 0"), e.getMessage());
        } finally {
            model.release();
        }
    }

    @Test
    void promptsThatEndInPaddingAreRejected() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT32);
        try {
            PaddedBatch right = PaddedBatch.rightPadded(List.of(new int[] {5, 6}, new int[] {7}), 0);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new Generator(model).generate(right, GenerationConfig.greedy(2, -1)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("prompt 1"), e.getMessage());
        } finally {
            model.release();
        }
    }
}
