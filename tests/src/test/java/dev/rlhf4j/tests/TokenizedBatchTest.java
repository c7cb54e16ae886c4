package dev.rlhf4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tokenizer's rows laid out by nn's {@link PaddedBatch}: the way text becomes a model's batch. */
class TokenizedBatchTest {

    @Test
    void encodedTextsLeftPaddedWithEndOfText() {
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        PaddedBatch batch = PaddedBatch.leftPadded(gpt2.encodeBatch(List.of("Hello world", "Hi")), gpt2.eosTokenId());
        assertArrayEquals(new int[][] {{15496, 995}, {50256, 17250}}, batch.inputIds());
        assertArrayEquals(new int[][] {{1, 1}, {0, 1}}, batch.attentionMask());
        assertArrayEquals(new int[][] {{0, 1}, {0, 0}}, batch.positionIds());
        assertEquals("Hi", gpt2.decode(batch.tokens(1)));
    }
}
