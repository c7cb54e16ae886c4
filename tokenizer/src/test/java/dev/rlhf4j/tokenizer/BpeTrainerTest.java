package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BpeTrainer} on corpora small enough to check merge by merge. */
class BpeTrainerTest {

    @Test
    void mergesTheMostFrequentPairFirst() {
        // " low" x5, " lower" x2, " newest" x6, " widest" x3 (Sennrich et al.'s example, GPT-2 spacing).
        String corpus = " low".repeat(5) + " lower".repeat(2) + " newest".repeat(6) + " widest".repeat(3);
        BpeTrainer.Result result = BpeTrainer.train(corpus, 4, false);
        List<BpeTrainer.LearnedMerge> merges = result.merges();
        // "e s" and "s t" both occur 9 times: the tie goes to the smaller left bytes, "e" < "s".
        assertEquals(new BpeTrainer.LearnedMerge("e", "s", 9), merges.get(0));
        assertEquals(new BpeTrainer.LearnedMerge("es", "t", 9), merges.get(1));
        // "Ġ l", "l o", "o w" occur 7 times each: "Ġ" is byte 0x20, smaller than "l" and "o".
        assertEquals(new BpeTrainer.LearnedMerge("\u0120", "l", 7), merges.get(2));
        assertEquals(4, merges.size());
        assertEquals(256 + 4, result.tokenizer().vocabSize());
        assertEquals("es", result.tokenizer().token(256));
        assertEquals("est", result.tokenizer().token(257));
    }

    @Test
    void tiesGoToTheLexicographicallySmallestPairWhateverTheCorpusOrder() {
        BpeTrainer.Result forward = BpeTrainer.train(List.of("zy", "ba"), 1, false);
        BpeTrainer.Result backward = BpeTrainer.train(List.of("ba", "zy"), 1, false);
        assertEquals(List.of(new BpeTrainer.LearnedMerge("b", "a", 1)), forward.merges());
        assertEquals(forward.merges(), backward.merges());
    }

    @Test
    void stopsWhenNoPairIsLeft() {
        BpeTrainer.Result result = BpeTrainer.train("abab", 100, false);
        assertEquals(List.of("ab", "abab"), result.merges().stream().map(m -> m.left() + m.right()).toList());
        assertEquals(258, result.tokenizer().vocabSize());
        assertArrayEquals(new int[] {257}, result.tokenizer().encode("abab"));
    }

    @Test
    void byteIdsFollowGpt2AndEndOfTextIsTheLastSpecialToken() {
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        Gpt2Tokenizer small = BpeTrainer.train("one<|endoftext|>two", 3, true).tokenizer();
        for (int id = 0; id < 256; id++) {
            assertEquals(gpt2.token(id), small.token(id));
        }
        assertEquals(small.vocabSize() - 1, small.eosTokenId());
        assertEquals(List.of("<|endoftext|>"), small.vocabulary().specialTokens());
        assertFalse(BpeTrainer.train("one<|endoftext|>two", 50, true).merges().stream()
                .anyMatch(m -> (m.left() + m.right()).contains("|")), "the separator is not learned from");
    }

    @Test
    void savedFilesLoadBackAndEncodeTheCorpusIdentically(@TempDir Path dir) {
        String corpus = String.join("\n", SyntheticCorpus.documents(7, 20_000));
        Gpt2Tokenizer trained = BpeTrainer.train(corpus, 300, true).tokenizer();
        TokenizerFiles.save(trained, dir);
        Gpt2Tokenizer loaded = Gpt2Tokenizer.load(dir);
        int[] ids = trained.encode(corpus);
        assertArrayEquals(ids, loaded.encode(corpus));
        assertEquals(corpus, loaded.decode(ids));
        assertEquals(trained.eosTokenId(), loaded.eosTokenId());
        int bytes = corpus.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertTrue(ids.length < bytes / 2, "300 merges should halve " + bytes + " bytes, got " + ids.length + " ids");
    }
}
