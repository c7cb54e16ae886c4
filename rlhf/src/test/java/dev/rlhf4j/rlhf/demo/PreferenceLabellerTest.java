package dev.rlhf4j.rlhf.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bradley-Terry labels: the rate at which the first completion wins matches sigmoid(gold difference / tau). */
class PreferenceLabellerTest {
    private static final int N = 20_000;

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** The fraction of N labels that prefer {@code a}, against sigmoid within 5 binomial standard errors. */
    private static void assertWinRate(String a, String b, double tau, double expected) {
        PreferenceLabeller labeller = new PreferenceLabeller(tau, 42);
        int wins = 0;
        for (int i = 0; i < N; i++) {
            PreferenceLabeller.Judgement j = labeller.label("Review of the lamp:", a, b);
            wins += j.firstChosen() ? 1 : 0;
            assertEquals(j.firstChosen() ? a : b, j.chosen());
            assertEquals(j.firstChosen() ? b : a, j.rejected());
        }
        double rate = (double) wins / N;
        double tolerance = 5 * Math.sqrt(expected * (1 - expected) / N);
        assertEquals(expected, rate, tolerance, "win rate of '" + a + "' over '" + b + "' at tau " + tau);
    }

    @Test
    void theWinRateIsTheSigmoidOfTheGoldDifferenceOverTau() {
        String great = " It is great.";                  // gold 1
        String awful = " It is awful.";                  // gold -1
        String mixed = " What a gem. It works poorly.";  // gold 0
        assertWinRate(great, awful, 1.0, sigmoid(2.0));
        assertWinRate(great, awful, 2.0, sigmoid(1.0));
        assertWinRate(awful, great, 0.5, sigmoid(-4.0));
        assertWinRate(mixed, great, 1.0, sigmoid(-1.0));
        assertWinRate(mixed, " I got it last week.", 1.0, 0.5);
    }

    @Test
    void theNoiseRateOverCorpusPairsIsTheMeanOfTheFlipProbabilities() {
        List<String> completions = ReviewCorpus.generate(2 * N, 3).reviews().stream().map(ReviewCorpus.Review::completion).toList();
        List<String> first = completions.subList(0, N);
        List<String> second = completions.subList(N, 2 * N);
        double tau = 0.7;
        List<PreferenceLabeller.Judgement> labels = new PreferenceLabeller(tau, 9)
                .label(Collections.nCopies(N, "p"), first, second);
        double expectedFlips = 0;
        double variance = 0;
        int flips = 0;
        int decided = 0;
        for (int i = 0; i < N; i++) {
            double d = Math.abs(GoldReward.of(first.get(i)) - GoldReward.of(second.get(i)));
            if (d > 0) {
                double q = sigmoid(-d / tau);
                expectedFlips += q;
                variance += q * (1 - q);
                flips += labels.get(i).agreesWithGold() ? 0 : 1;
                decided++;
            }
            assertEquals(d == 0, labels.get(i).isTie());
        }
        assertTrue(decided > N / 2, decided + " pairs with different gold rewards");
        assertEquals(expectedFlips, flips, 5 * Math.sqrt(variance), "noisy labels among " + decided + " pairs");
    }

    @Test
    void theSameSeedGivesTheSameLabels() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (ReviewCorpus.Review r : ReviewCorpus.generate(400, 1).reviews()) {
            (a.size() <= b.size() ? a : b).add(r.completion());
        }
        List<String> prompts = Collections.nCopies(200, "p");
        assertEquals(new PreferenceLabeller(1, 5).label(prompts, a, b), new PreferenceLabeller(1, 5).label(prompts, a, b));
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new PreferenceLabeller(0, 1)).getMessage().contains("tau"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new PreferenceLabeller(1, 1).label(List.of("p"), List.of("a", "b"), List.of("c"))).getMessage().contains("1 prompts"));
    }
}
