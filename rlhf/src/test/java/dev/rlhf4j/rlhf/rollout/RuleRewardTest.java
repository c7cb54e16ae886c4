package dev.rlhf4j.rlhf.rollout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhf4j.rlhf.reward.RuleRewards;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.tokenizer.BpeTrainer;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rule reward that travels as Java serialization does it (what an executor receives) scores as the rule on the
 * driver does: the same decoded text, so the same numbers, for each built-in rule.
 */
class RuleRewardTest {
    private static final Gpt2Tokenizer TOKENIZER = BpeTrainer.train("the quick brown fox jumps over the lazy dog; the dog sleeps"
            + " and the fox runs. Hello, world! Hello again, world.", 40, true).tokenizer();

    @Test
    void aDeserializedRuleScoresAsTheDriversRule() throws Exception {
        int eos = TOKENIZER.eosTokenId();
        CompletionBatch batch = CompletionBatch.of(List.of(
                new CompletionExample(TOKENIZER.encode("the quick"), concat(TOKENIZER.encode(" brown fox"), eos)),
                new CompletionExample(TOKENIZER.encode("Hello,"), TOKENIZER.encode(" world! Hello again"))), eos);
        for (String rule : RuleRewards.all().keySet()) {
            RuleReward reward = new RuleReward(rule, TOKENIZER);
            double[] expected = RuleRewards.named(rule).decodedBy(TOKENIZER::decode).scores(batch).toDoubleArray();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(reward);
            }
            RuleReward copy;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                copy = (RuleReward) in.readObject();
            }
            assertEquals(rule, copy.rule());
            assertArrayEquals(expected, copy.scores(batch).toDoubleArray(), rule);
            assertArrayEquals(expected, reward.scores(batch).toDoubleArray(), rule);
        }
        assertEquals(1.0, new RuleReward("eos", TOKENIZER).scores(batch).toDoubleArray()[0], "the first completion ends with EOS");
        assertThrows(IllegalArgumentException.class, () -> new RuleReward("brevity", TOKENIZER));
    }

    private static int[] concat(int[] a, int b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }
}
