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

    @Property(tries = 5, seed = "11")
    void aSeedReplaysTheSameSample(@ForAll("prompts") List<int[]> prompts) {
        GenerationConfig config = GenerationConfig.sampling(5, 1.0, 0, 1.0, -1, 42);
        Generator g = new Generator(model);
        GenerationResult a = g.generate(prompts, config);
        GenerationResult b = g.generate(prompts, config);
        for (int r = 0; r < prompts.size(); r++) {
            assertArrayEquals(a.tokens()[r], b.tokens()[r]);
            assertEquals(a.logprobs()[r].length, b.logprobs()[r].length);
        }
    }
}
