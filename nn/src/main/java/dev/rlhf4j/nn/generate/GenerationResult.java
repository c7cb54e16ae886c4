package dev.rlhf4j.nn.generate;

/**
 * What {@link Generator} produced, per row of the batch.
 *
 * @param prompts the prompts as given (unpadded)
 * @param tokens the new tokens of each row, ending with EOS if the row stopped there
 * @param logprobs {@code logprobs[r][i]}: log-probability of {@code tokens[r][i]} under the distribution it was
 *     drawn from (after temperature, top-k and top-p; for greedy decoding, the model's own softmax)
 */
public record GenerationResult(int[][] prompts, int[][] tokens, double[][] logprobs) {

    /** Prompt followed by the new tokens, per row. */
    public int[][] sequences() {
        int[][] out = new int[prompts.length][];
        for (int r = 0; r < prompts.length; r++) {
            out[r] = new int[prompts[r].length + tokens[r].length];
            System.arraycopy(prompts[r], 0, out[r], 0, prompts[r].length);
            System.arraycopy(tokens[r], 0, out[r], prompts[r].length, tokens[r].length);
        }
        return out;
    }
}
