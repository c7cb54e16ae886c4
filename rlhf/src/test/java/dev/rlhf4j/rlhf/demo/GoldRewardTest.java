package dev.rlhf4j.rlhf.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The gold reward on hand-written completions whose value follows from the formula in its Javadoc. */
class GoldRewardTest {

    @Test
    void sentimentWordsCountPlusOrMinusOne() {
        assertEquals(1.0, GoldReward.of(" It is great."));
        assertEquals(-1.0, GoldReward.of(" It is awful."));
        assertEquals(0.0, GoldReward.of(" I got it last week."));
        assertEquals(1.0, GoldReward.of(" It is GREAT!"));
        assertEquals(2.0, GoldReward.of(" What a gem. I love it."));
    }

    @Test
    void aNegatorFlipsTheNextTwoWords() {
        assertEquals(1.0, GoldReward.of(" The lid is not flimsy."));
        assertEquals(-2.0, GoldReward.of(" I don't like it. What a mess."));
        assertEquals(2.0, GoldReward.of(" It is very good. The price isn't bad."));
        assertEquals(-1.0, GoldReward.of(" I would not recommend it."));
        assertEquals(-1.0, GoldReward.of(" Never good."));
        assertEquals(1.0, GoldReward.of(" Not that it is good."), "four words after the negator: outside the window");
    }

    @Test
    void repeatedWordsCostHalfAPointAndScoreOnce() {
        // it, is, great twice: sentiment +1 (first occurrence only), 3 repeated words
        assertEquals(1 - 0.5 * 3, GoldReward.of(" It is great. It is great."));
        // great x3 and no full stop: +1, 2 repeats, unfinished
        assertEquals(1 - 0.5 * 2 - 1, GoldReward.of(" great great great"));
    }

    @Test
    void wordsBeyondSixteenCostHalfAPointEach() {
        String twenty = " one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
                + " seventeen eighteen nineteen twenty.";
        assertEquals(-0.5 * 4, GoldReward.of(twenty));
        assertEquals(1 - 0.5 * 5, GoldReward.of(twenty.replace(".", " great.")));
    }

    @Test
    void anUnfinishedOrEmptyCompletionCostsOnePointAndTheEndMarkerIsIgnored() {
        assertEquals(1.0 - 1, GoldReward.of(" It is great and"));
        assertEquals(-1.0, GoldReward.of(""));
        assertEquals(-1.0, GoldReward.of(ReviewCorpus.END));
        assertEquals(1.0, GoldReward.of(" It is great." + ReviewCorpus.END));
        assertEquals(1.0, GoldReward.of(" It is great. " + ReviewCorpus.END + ReviewCorpus.END + "\n"));
    }

    @Property(tries = 50)
    void sayingItTwiceNeverScoresHigher(@ForAll long seed, @ForAll @IntRange(min = 0, max = 99) int index) {
        String c = ReviewCorpus.generate(100, seed).reviews().get(index).completion();
        assertTrue(GoldReward.of(c + c) <= GoldReward.of(c), c);
        assertEquals(GoldReward.of(c), GoldReward.of(c + ReviewCorpus.END));
    }
}
