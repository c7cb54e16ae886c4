package dev.rlhf4j.rlhf.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The words that carry sentiment in the demo's reviews, shared by the grammar that writes them
 * ({@link ReviewCorpus}) and the hidden judge that scores them ({@link GoldReward}). Every positive word has a
 * negative counterpart of the same part of speech, so the grammar can write either polarity with the same
 * sentence shapes and a learner must read the words, not the shapes, to tell them apart.
 */
public final class SentimentLexicon {
    /** Adjectives: "The sound is great." / "The sound is awful." */
    static final List<String> POSITIVE_ADJECTIVES = List.of("great", "good", "excellent", "lovely", "solid", "superb", "fun", "pleasant");
    static final List<String> NEGATIVE_ADJECTIVES = List.of("bad", "awful", "poor", "terrible", "weak", "boring", "flimsy", "dull");
    /** Verbs after "I": "I love it." / "I regret it." */
    static final List<String> POSITIVE_VERBS = List.of("love", "like", "enjoy", "recommend");
    static final List<String> NEGATIVE_VERBS = List.of("hate", "dislike", "regret", "return");
    /** Nouns after "What a": "What a gem." / "What a mess." */
    static final List<String> POSITIVE_NOUNS = List.of("gem", "delight", "joy", "bargain");
    static final List<String> NEGATIVE_NOUNS = List.of("mess", "letdown", "waste", "disaster");
    /** Adverbs after "It works": "It works well." / "It works poorly." */
    static final List<String> POSITIVE_ADVERBS = List.of("well", "nicely", "perfectly");
    static final List<String> NEGATIVE_ADVERBS = List.of("poorly", "badly", "slowly");
    /** Words that flip the polarity of a sentiment word up to {@link #NEGATION_WINDOW} words after them. */
    static final Set<String> NEGATORS = Set.of("not", "never", "no", "hardly");
    /** How many words after a negator (or a word ending in "n't") are negated. */
    public static final int NEGATION_WINDOW = 2;

    private static final Set<String> POSITIVE = union(POSITIVE_ADJECTIVES, POSITIVE_VERBS, POSITIVE_NOUNS, POSITIVE_ADVERBS);
    private static final Set<String> NEGATIVE = union(NEGATIVE_ADJECTIVES, NEGATIVE_VERBS, NEGATIVE_NOUNS, NEGATIVE_ADVERBS);

    private SentimentLexicon() {
    }

    /** +1 for a positive word, -1 for a negative one, 0 otherwise; {@code word} in lower case. */
    public static int polarity(String word) {
        if (POSITIVE.contains(word)) {
            return 1;
        }
        return NEGATIVE.contains(word) ? -1 : 0;
    }

    /** Whether {@code word} (lower case) negates the words after it: a negator or a contraction in "n't". */
    public static boolean isNegator(String word) {
        return NEGATORS.contains(word) || word.endsWith("n't");
    }

    /** The lower-case words of {@code text}: maximal runs of letters and apostrophes. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (Character.isLetter(c) || c == '\'') {
                word.append(c);
            } else if (!word.isEmpty()) {
                out.add(word.toString().toLowerCase(Locale.ROOT));
                word.setLength(0);
            }
        }
        return out;
    }

    @SafeVarargs
    private static Set<String> union(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> list : lists) {
            all.addAll(list);
        }
        return Set.copyOf(all);
    }
}
