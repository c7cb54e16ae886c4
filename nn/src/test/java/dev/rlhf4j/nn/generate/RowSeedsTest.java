package dev.rlhf4j.nn.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Per-row random streams: a row's sampled tokens follow from its prompt and seed, whatever shares its batch. */
class RowSeedsTest {
    private static Gpt2LMHeadModel model;
    private static final List<int[]> PROMPTS = List.of(new int[] {5, 17, 300}, new int[] {42}, new int[] {7, 7, 9, 100, 12});
    private static final long[] SEEDS = {11L, -3L, 987654321L};
    private static final GenerationConfig SAMPLING = GenerationConfig.sampling(12, 1.0, 0, 1.0, -1, 0L);

    @BeforeAll
    static void load() {
        model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
    }

    @AfterAll
    static void release() {
        model.release();
    }

    @Test
    void eachRowDrawsTheSameTokensAloneInAnotherOrderOrInAnotherBatch() {
        GenerationResult together = new Generator(model).generate(PROMPTS, SAMPLING, SEEDS);
        for (int r = 0; r < PROMPTS.size(); r++) {
            GenerationResult alone = new Generator(model).generate(List.of(PROMPTS.get(r)), SAMPLING, new long[] {SEEDS[r]});
            assertArrayEquals(together.tokens()[r], alone.tokens()[0], "row " + r + " alone");
        }
        GenerationResult reversed = new Generator(model).generate(List.of(PROMPTS.get(2), PROMPTS.get(1), PROMPTS.get(0)), SAMPLING,
                new long[] {SEEDS[2], SEEDS[1], SEEDS[0]});
        for (int r = 0; r < PROMPTS.size(); r++) {
            assertArrayEquals(together.tokens()[r], reversed.tokens()[2 - r], "row " + r + " reversed");
        }
    }

    @Test
    void anotherSeedDrawsOtherTokens() {
        GenerationResult a = new Generator(model).generate(PROMPTS, SAMPLING, SEEDS);
        GenerationResult b = new Generator(model).generate(PROMPTS, SAMPLING, new long[] {12L, -3L, 987654321L});
        assertFalse(Arrays.equals(a.tokens()[0], b.tokens()[0]), "row 0 with another seed");
        assertArrayEquals(a.tokens()[1], b.tokens()[1]);
    }

    @Test
    void aSharedStreamStillDependsOnTheBatch() {
        GenerationResult together = new Generator(model).generate(PROMPTS, SAMPLING.withMaxNewTokens(12));
        GenerationResult alone = new Generator(model).generate(List.of(PROMPTS.get(1)), SAMPLING);
        assertFalse(Arrays.equals(together.tokens()[1], alone.tokens()[0]), "one stream interleaves the rows' draws");
    }
}
