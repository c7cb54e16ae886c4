package dev.rlhf4j.rlhf.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.PreTokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The review grammar: determinism, shape of its reviews, mixed sentiment, and how well a small BPE covers it. */
class ReviewCorpusTest {

    @Property(tries = 20)
    void theSameSeedWritesTheSameReviewsAndAPrefixIsAShorterCorpus(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int n) {
        List<ReviewCorpus.Review> a = ReviewCorpus.generate(n + 50, seed).reviews();
        assertEquals(a, ReviewCorpus.generate(n + 50, seed).reviews());
        assertEquals(a.subList(0, n), ReviewCorpus.generate(n, seed).reviews());
        assertEquals(ReviewCorpus.prompts(n, seed), ReviewCorpus.prompts(n, seed));
    }

    @Test
    void otherSeedsWriteOtherReviews() {
        assertNotEquals(ReviewCorpus.generate(50, 1).reviews(), ReviewCorpus.generate(50, 2).reviews());
    }

    @Test
    void reviewsAreShortSentencesAfterAKnownPromptInASmallVocabulary() {
        ReviewCorpus corpus = ReviewCorpus.generate(3000, 7);
        Set<String> prompts = new HashSet<>(ReviewCorpus.allPrompts());
        Set<String> vocabulary = new HashSet<>();
        for (ReviewCorpus.Review r : corpus.reviews()) {
            assertTrue(prompts.contains(r.prompt()), r.prompt());
            assertTrue(r.completion().startsWith(" ") && r.completion().endsWith("."), r.completion());
            assertTrue(r.text().endsWith(ReviewCorpus.END));
            List<String> words = SentimentLexicon.words(r.completion());
            assertTrue(words.size() >= 2 && words.size() <= 14, r.completion());
            vocabulary.addAll(words);
            vocabulary.addAll(SentimentLexicon.words(r.prompt()));
        }
        assertTrue(vocabulary.size() > 100 && vocabulary.size() < 200, "vocabulary of " + vocabulary.size() + " words");
        assertTrue(ReviewCorpus.prompts(500, 3).stream().allMatch(prompts::contains));
    }

    @Test
    void sentimentIsMixedUnderTheGoldReward() {
        double[] gold = GoldReward.of(ReviewCorpus.generate(2000, 11).reviews().stream().map(ReviewCorpus.Review::completion).toList());
        long positive = java.util.Arrays.stream(gold).filter(g -> g > 0).count();
        long negative = java.util.Arrays.stream(gold).filter(g -> g < 0).count();
        assertTrue(positive > 0.3 * gold.length && negative > 0.3 * gold.length, positive + " positive, " + negative + " negative");
    }

    @Test
    void aFewHundredMergesMakeEveryPieceOneToken() {
        ReviewCorpus corpus = ReviewCorpus.generate(2000, 5);
        Set<String> pieces = new HashSet<>();
        corpus.reviews().forEach(r -> {
            pieces.addAll(PreTokenizer.split(r.prompt()));
            pieces.addAll(PreTokenizer.split(r.completion()));
        });
        Gpt2Tokenizer full = corpus.trainTokenizer(400);
        assertTrue(full.vocabSize() < 256 + 400 + 1, "the corpus runs out of pairs before 400 merges: " + full.vocabSize());
        for (String piece : pieces) {
            assertEquals(1, full.encode(piece).length, "'" + piece + "'");
        }
        Gpt2Tokenizer partial = corpus.trainTokenizer(200);
        assertEquals(256 + 200 + 1, partial.vocabSize());
        long single = pieces.stream().filter(w -> partial.encode(w).length == 1).count();
        assertTrue(single > pieces.size() / 3 && single < pieces.size(), single + " of " + pieces.size() + " pieces are one token");
    }

    @Test
    void sftExamplesAreThePromptAndTheCompletionEndingInEos() {
        ReviewCorpus corpus = ReviewCorpus.generate(200, 9);
        Gpt2Tokenizer tokenizer = corpus.trainTokenizer(200);
        List<CompletionExample> examples = corpus.sftExamples(tokenizer);
        assertEquals(200, examples.size());
        for (int i = 0; i < examples.size(); i++) {
            CompletionExample e = examples.get(i);
            assertEquals(tokenizer.eosTokenId(), e.completion()[e.completion().length - 1]);
            assertEquals(corpus.reviews().get(i).text(), tokenizer.decode(e.tokens()));
            assertTrue(e.tokens().length <= 40, "sequence of " + e.tokens().length + " tokens");
        }
    }

    @Test
    void aNonPositiveSizeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReviewCorpus.generate(0, 1));
        assertTrue(e.getMessage().contains("size"));
    }
}
