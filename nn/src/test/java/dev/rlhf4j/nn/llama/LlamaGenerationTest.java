package dev.rlhf4j.nn.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.GenerationResult;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.model.KvCache;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Greedy generation against transformers' {@code generate(do_sample=False)} with and without the KV cache, and the
 * cached forward against the full one on a left-padded batch (the cache holds the key/value heads only).
 */
class LlamaGenerationTest {
    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"})
    void greedyTokensMatchTransformersWithAndWithoutCache(String fixture) {
        JsonNode greedy = Fixtures.json(fixture + "/reference.json").get("greedy");
        int[] prompt = Fixtures.ints(greedy.get("prompt_ids"));
        int[] expected = Fixtures.ints(greedy.get("output_ids"));
        for (DType type : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(Fixtures.path(fixture), type);
            try {
                for (boolean cache : new boolean[] {true, false}) {
                    GenerationConfig cfg = GenerationConfig.greedy(greedy.get("max_new_tokens").asInt(), -1).withCache(cache);
                    GenerationResult out = new Generator(model).generate(prompt, cfg);
                    assertArrayEquals(expected, out.sequences()[0], fixture + " " + type + " cache=" + cache);
                }
            } finally {
                model.release();
            }
        }
    }

    /** A left-padded prompt through the cache, then one token per row at a time: each step's states equal the full pass's. */
    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama3-rope-tiny-random", "qwen2-tiny-random", "qwen3-tiny-random"})
    void cachedStepsEqualTheFullForwardOnAPaddedBatch(String fixture) {
        LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(Fixtures.path(fixture), DType.FLOAT64);
        List<PaddedBatch> steps = new ArrayList<>();
        steps.add(PaddedBatch.leftPadded(List.of(new int[] {5, 17, 33, 2}, new int[] {40}), 0));      // 3 pads in row 1
        for (int[] next : new int[][] {{90, 41}, {11, 42}, {7, 43}}) {
            steps.add(steps.get(steps.size() - 1).append(next));
        }
        PaddedBatch full = steps.get(steps.size() - 1);
        int c = model.config().hiddenSize();
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter(); KvCache cache = model.model().newCache(2, full.length())) {
            double[] expected = model.model().forward(full).toDoubleArray();                  // (2, 7, C)
            double worst = 0;
            int from = 0;
            for (PaddedBatch step : steps) {
                double[] got = model.model().forward(step, cache).toDoubleArray();           // (2, T new, C)
                int t = step.length() - from;
                for (int r = 0; r < 2; r++) {
                    for (int j = 0; j < t; j++) {
                        for (int k = 0; full.mask(r, from + j) == 1 && k < c; k++) {
                            double want = expected[(r * full.length() + from + j) * c + k];
                            worst = Math.max(worst, Math.abs(got[(r * t + j) * c + k] - want) / Math.max(1, Math.abs(want)));
                        }
                    }
                }
                from = step.length();
            }
            assertEquals(full.length(), cache.length());
            assertEquals(model.config().numKeyValueHeads(), cache.keys(0).size(1), "the cache holds the key/value heads only");
            System.out.printf("%s cached vs full forward on a padded batch: %.3e%n", fixture, worst);
            assertTrue(worst < 1e-12, fixture + " cached vs full " + worst);
        } finally {
            model.release();
        }
    }
}
