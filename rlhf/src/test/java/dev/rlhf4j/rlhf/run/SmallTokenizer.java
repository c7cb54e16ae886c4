package dev.rlhf4j.rlhf.run;

import dev.rlhf4j.tokenizer.BpeTrainer;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;

/** A byte-level BPE tokenizer of ~300 tokens, trained in milliseconds: tests that save one need no 50k vocabulary. */
final class SmallTokenizer {
    static final Gpt2Tokenizer TOKENIZER = BpeTrainer.train("the quick brown fox jumps over the lazy dog; the dog sleeps"
            + " and the fox runs. Hello, world! Hello again, world.", 40, true).tokenizer();

    private SmallTokenizer() {
    }
}
