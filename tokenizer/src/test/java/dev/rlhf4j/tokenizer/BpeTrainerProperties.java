package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Invariants of {@link BpeTrainer} for any number of merges and any corpus. */
class BpeTrainerProperties {

    private static final List<String> CORPUS = SyntheticCorpus.documents(11, 6_000);

    private static int encodedLength(Gpt2Tokenizer tokenizer, List<String> documents) {
        return documents.stream().mapToInt(d -> tokenizer.encode(d).length).sum();
    }

    @Property(tries = 40)
    void atMost256PlusNTokensRoundTripAndMoreMergesNeverLengthen(@ForAll @IntRange(min = 0, max = 400) int merges,
            @ForAll @IntRange(min = 1, max = 100) int extra) {
        Gpt2Tokenizer fewer = BpeTrainer.train(CORPUS, merges, false).tokenizer();
        Gpt2Tokenizer more = BpeTrainer.train(CORPUS, merges + extra, false).tokenizer();
        assertTrue(fewer.vocabSize() <= 256 + merges);
        assertTrue(more.vocabSize() <= 256 + merges + extra);
        for (String document : CORPUS) {
            assertEquals(document, fewer.decode(fewer.encode(document)));
        }
        assertTrue(encodedLength(more, CORPUS) <= encodedLength(fewer, CORPUS));
    }

    @Provide
    Arbitrary<List<String>> corpora() {
        return TextArbitraries.text(20).list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 150)
    void anyCorpusRoundTripsAndEachMergeSavesAtMostItsPairCount(@ForAll("corpora") List<String> corpus,
            @ForAll @IntRange(min = 0, max = 60) int merges) {
        BpeTrainer.Result result = BpeTrainer.train(corpus, merges, true);
        Gpt2Tokenizer tokenizer = result.tokenizer();
        assertEquals(256 + result.merges().size() + 1, tokenizer.vocabSize());
        for (String document : corpus) {
            assertEquals(document, tokenizer.decode(tokenizer.encode(document, tokenizer.specialTokens())));
        }
        Gpt2Tokenizer bytesOnly = BpeTrainer.train(corpus, 0, true).tokenizer();
        int before = encodedLengthWithSpecials(bytesOnly, corpus);
        int after = encodedLengthWithSpecials(tokenizer, corpus);
        long pairCounts = result.merges().stream().mapToLong(BpeTrainer.LearnedMerge::count).sum();
        assertTrue(after <= before - result.merges().size(), "every merge applies at least once");
        assertTrue(after >= before - pairCounts, "a merge saves at most one token per occurrence of its pair");
    }

    private static int encodedLengthWithSpecials(Gpt2Tokenizer tokenizer, List<String> documents) {
        return documents.stream().mapToInt(d -> tokenizer.encode(d, tokenizer.specialTokens()).length).sum();
    }
}
