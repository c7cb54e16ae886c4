package dev.rlhf4j.rlhf.demo;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The demo's hidden judge: a pure function of a completion's text that plays the human whose preferences RLHF
 * learns. Only {@link PreferenceLabeller} and the final evaluation call it; the reward model, PPO and DPO see
 * nothing but the labelled pairs. For the words w_1 .. w_n of the completion (lower-cased runs of letters and
 * apostrophes, see {@link SentimentLexicon#words}), with d distinct words among them,
 * <pre>
 *   gold(c) = sum over the first occurrence of each word w_i of  pol(w_i) * (-1)^[w_i negated]
 *           - 0.5 * (n - d)                 repetition: every repeated word
 *           - 0.5 * max(0, n - 16)          length: every word beyond 16
 *           - 1   * [c unfinished]          the text does not end in '.', '!' or '?'
 * </pre>
 * pol is +1, -1 or 0 ({@link SentimentLexicon#polarity}); w_i is negated when one of the
 * {@link SentimentLexicon#NEGATION_WINDOW} words before it is a negator ("not", "never", "no", "hardly", or a
 * word ending in "n't"). A trailing end marker and whitespace are ignored. So "It is great." scores 1,
 * "The lid is not flimsy." 1, "I don't like it. What a mess." -2, and a reward model that learned "positive words
 * are good" can be over-optimised by repeating them, which the gold reward punishes (Gao et al. 2023).
 */
public final class GoldReward {
    /** The weight of each repeated word. */
    public static final double REPETITION_PENALTY = 0.5;
    /** Words allowed before the length penalty starts. */
    public static final int LENGTH_LIMIT = 16;
    /** The weight of each word beyond {@link #LENGTH_LIMIT}. */
    public static final double LENGTH_PENALTY = 0.5;
    /** The penalty of a completion cut off mid-sentence. */
    public static final double UNFINISHED_PENALTY = 1.0;

    private GoldReward() {
    }

    /** The gold reward of one completion (the prompt excluded). */
    public static double of(String completion) {
        String text = stripEnd(completion);
        List<String> words = SentimentLexicon.words(text);
        Set<String> seen = new HashSet<>();
        double sentiment = 0;
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (seen.add(word)) {
                sentiment += SentimentLexicon.polarity(word) * (negated(words, i) ? -1 : 1);
            }
        }
        int n = words.size();
        double repetition = REPETITION_PENALTY * (n - seen.size());
        double length = LENGTH_PENALTY * Math.max(0, n - LENGTH_LIMIT);
        double unfinished = finished(text) ? 0 : UNFINISHED_PENALTY;
        return sentiment - repetition - length - unfinished;
    }

    /** The gold rewards of many completions. */
    public static double[] of(List<String> completions) {
        double[] out = new double[completions.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = of(completions.get(i));
        }
        return out;
    }

    private static boolean negated(List<String> words, int i) {
        for (int j = Math.max(0, i - SentimentLexicon.NEGATION_WINDOW); j < i; j++) {
            if (SentimentLexicon.isNegator(words.get(j))) {
                return true;
            }
        }
        return false;
    }

    private static boolean finished(String text) {
        if (text.isEmpty()) {
            return false;
        }
        char last = text.charAt(text.length() - 1);
        return last == '.' || last == '!' || last == '?';
    }

    private static String stripEnd(String completion) {
        String text = completion.strip();
        while (text.endsWith(ReviewCorpus.END)) {
            text = text.substring(0, text.length() - ReviewCorpus.END.length()).strip();
        }
        return text;
    }
}
