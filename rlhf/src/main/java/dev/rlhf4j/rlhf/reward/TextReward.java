package dev.rlhf4j.rlhf.reward;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.util.function.Function;

/**
 * A rule-based reward written in Java on text, as TRL's reward functions are: the prompt and the completion decoded
 * (special tokens such as {@code <|endoftext|>} included, so a rule can see whether the completion ended).
 */
@FunctionalInterface
public interface TextReward {
    double score(String prompt, String completion);

    /** As a {@link RewardFunction} on token ids, decoding each row's prompt and completion with {@code decode}. */
    default RewardFunction decodedBy(Function<int[], String> decode) {
        return batch -> {
            double[] s = new double[batch.size()];
            for (int b = 0; b < s.length; b++) {
                int[] row = batch.batch().tokens(b);
                int p = batch.promptLengths()[b];
                int[] prompt = java.util.Arrays.copyOf(row, p);
                int[] completion = java.util.Arrays.copyOfRange(row, p, p + batch.completionLengths()[b]);
                s[b] = score(decode.apply(prompt), decode.apply(completion));
            }
            return Tensor.of(s, DType.FLOAT64, s.length);
        };
    }
}
