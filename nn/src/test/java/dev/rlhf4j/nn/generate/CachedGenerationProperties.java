package dev.rlhf4j.nn.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.batch.Padding;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** KV-cached decoding equals full recomputation, for batches of left-padded prompts and every sampling setting. */
class CachedGenerationProperties {
    private static Gpt2LMHeadModel model;

    @BeforeContainer
    static void load() {
        model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
    }

    @AfterContainer
    static void release() {
        model.release();
    }

    @Provide
    Arbitrary<List<int[]>> prompts() {
        Arbitrary<int[]> prompt = Arbitraries.integers().between(0, 511).array(int[].class).ofMinSize(1).ofMaxSize(7);
        return prompt.list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<GenerationConfig> configs() {
        return Combinators.combine(
                Arbitraries.integers().between(1, 6),
                Arbitraries.of(true, false),
                Arbitraries.of(0.7, 1.0, 1.5),
                Arbitraries.of(0, 1, 5),
                Arbitraries.of(1.0, 0.9, 0.5),
                Arbitraries.of(-1, 356),
                Arbitraries.longs().between(0, 1000))
            .as((n, sample, temp, k, p, eos, seed) -> new GenerationConfig(n, sample, temp, k, p, eos, 0, seed, true));
    }

    @Property(tries = 40, seed = "20261122")
    void cachedDecodingEqualsFullRecomputation(@ForAll("prompts") List<int[]> prompts, @ForAll("configs") GenerationConfig config) {
        Generator g = new Generator(model);
        GenerationResult cached = g.generate(prompts, config);
        GenerationResult full = g.generate(prompts, config.withCache(false));
        for (int r = 0; r < prompts.size(); r++) {
            assertArrayEquals(full.tokens()[r], cached.tokens()[r], "row " + r);
            assertArrayEquals(full.logprobs()[r], cached.logprobs()[r], 1e-9, "row " + r);
            for (double lp : cached.logprobs()[r]) {
                assertTrue(lp <= 1e-12, "log-prob " + lp);
            }
            int[] tokens = cached.tokens()[r];
            assertTrue(tokens.length <= config.maxNewTokens());
            for (int i = 0; i < tokens.length - 1; i++) {
                assertTrue(tokens[i] != config.eosTokenId(), "row " + r + " continued after EOS");
            }
            assertTrue(tokens.length == config.maxNewTokens() || tokens[tokens.length - 1] == config.eosTokenId(),
                    "row " + r + " stopped early without EOS");
        }
    }

    @Property(tries = 10, seed = "7")
    void aLeftPaddedRowDecodesLikeItsPromptAlone(@ForAll("prompts") List<int[]> prompts) {
        GenerationConfig config = GenerationConfig.greedy(4, -1);
        Generator g = new Generator(model);
        GenerationResult batch = g.generate(prompts, config);
        for (int r = 0; r < prompts.size(); r++) {
            GenerationResult alone = g.generate(prompts.get(r), config);
            assertArrayEquals(alone.tokens()[0], batch.tokens()[r], "row " + r);
            assertArrayEquals(alone.logprobs()[0], batch.logprobs()[r], 1e-9, "row " + r);
        }
    }

    @Property(tries = 5, seed = "13")
    void extraLeftPaddingChangesNothing(@ForAll("prompts") List<int[]> prompts) {
        GenerationConfig config = GenerationConfig.greedy(3, -1);
        Generator g = new Generator(model);
        GenerationResult tight = g.generate(prompts, config);
        GenerationResult wide = g.generate(PaddedBatch.pad(prompts, Padding.left(0).withMaxLength(9, Padding.Side.LEFT)
                .withPadToMaxLength()), config);
        for (int r = 0; r < prompts.size(); r++) {
            assertArrayEquals(tight.prompts()[r], wide.prompts()[r], "row " + r);
            assertArrayEquals(tight.tokens()[r], wide.tokens()[r], "row " + r);
            assertArrayEquals(tight.logprobs()[r], wide.logprobs()[r], 1e-9, "row " + r);
        }
    }

    /**
     * A seed replays its sample and another seed draws different tokens in some row. The reported log-probs are
     * recomputed independently: one full forward pass over each row's prompt and tokens, without padding or cache,
     * and log_softmax on the host (temperature 1 and no filtering, so the distribution sampled from is the model's
     * own).
     */
    @Property(tries = 5, seed = "11")
    void aSeedReplaysTheSameSample(@ForAll("prompts") List<int[]> prompts) {
        GenerationConfig config = GenerationConfig.sampling(5, 1.0, 0, 1.0, -1, 42);
        Generator g = new Generator(model);
        GenerationResult a = g.generate(prompts, config);
        GenerationResult b = g.generate(prompts, config);
        GenerationResult other = g.generate(prompts, GenerationConfig.sampling(5, 1.0, 0, 1.0, -1, 43));
        boolean differs = false;
        for (int r = 0; r < prompts.size(); r++) {
            assertArrayEquals(a.tokens()[r], b.tokens()[r]);
            assertArrayEquals(a.logprobs()[r], b.logprobs()[r], 0.0);
            differs |= !java.util.Arrays.equals(a.tokens()[r], other.tokens()[r]);
            int[] sequence = a.sequences()[r];
            double[][] logits = model.logits(sequence);                                     // (T, V)
            int start = prompts.get(r).length;
            assertEquals(5, a.tokens()[r].length);
            for (int i = 0; i < a.tokens()[r].length; i++) {
                double[] z = logits[start - 1 + i];
                double max = Double.NEGATIVE_INFINITY;
                for (double x : z) {
                    max = Math.max(max, x);
                }
                double sum = 0;
                for (double x : z) {
                    sum += Math.exp(x - max);
                }
                double expected = z[sequence[start + i]] - max - Math.log(sum);
                assertEquals(expected, a.logprobs()[r][i], 1e-9, "row " + r + " token " + i);
            }
        }
        assertTrue(differs, "seeds 42 and 43 drew the same tokens for every row");
    }
}
