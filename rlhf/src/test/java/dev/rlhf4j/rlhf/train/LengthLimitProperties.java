package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** max_length's cuts: the prompt gives way from the left, completions keep their start. */
class LengthLimitProperties {

    @Property(tries = 60)
    void aCutExampleFitsKeepsThePromptsEndAndAtLeastOnePromptToken(@ForAll @IntRange(min = 2, max = 20) int max,
            @ForAll long seed) {
        Random random = new Random(seed);
        LengthLimit limit = new LengthLimit(max);
        int[] prompt = Toy.tokens(1 + random.nextInt(25), random);
        PreferenceExample pair = new PreferenceExample(prompt, Toy.tokens(1 + random.nextInt(25), random),
                Toy.tokens(1 + random.nextInt(25), random));
        PreferenceExample cut = limit.apply(pair);
        assertTrue(cut.prompt().length >= 1);
        assertTrue(cut.prompt().length + Math.max(cut.chosen().length, cut.rejected().length) <= max);
        assertArrayEquals(Arrays.copyOfRange(prompt, prompt.length - cut.prompt().length, prompt.length), cut.prompt());
        assertArrayEquals(Arrays.copyOf(pair.chosen(), cut.chosen().length), cut.chosen(), "completions keep their start");
        assertEquals(limit.exceeds(pair), cut != pair);
        if (pair.prompt().length + Math.max(pair.chosen().length, pair.rejected().length) > max
                && Math.max(pair.chosen().length, pair.rejected().length) <= max - 1) {
            assertEquals(pair.chosen().length, cut.chosen().length, "the prompt gives way before any completion token");
        }
    }
}
