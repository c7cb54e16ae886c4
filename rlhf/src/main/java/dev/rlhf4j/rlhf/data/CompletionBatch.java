package dev.rlhf4j.rlhf.data;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.batch.Padding;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt + completion sequences as one right-padded batch, with the mask of the positions a loss scores.
 * <pre>
 *   row b:      p_0 .. p_{P-1} c_0 .. c_{C-1} pad .. pad                   (T columns)
 *   mask[b, t] = 1  iff token t+1 is a completion token,  t = P-1 .. P+C-2  (T-1 columns)
 * </pre>
 * Position t's logits predict token t+1, so the mask lines up with {@code TokenLogProbs.of}'s per-token log-probs
 * and with {@code ReferenceModel.logProbs}. Right padding keeps every row's real tokens at the positions it would
 * have alone; pads are hidden by the attention mask.
 *
 * @param batch       the token ids, attention mask and positions   (B, T)
 * @param mask        the completion mask, row-major                (B, T-1)
 * @param promptLengths     P of each row                          (B)
 * @param completionLengths C of each row                          (B)
 */
public record CompletionBatch(PaddedBatch batch, float[] mask, int[] promptLengths, int[] completionLengths) {

    /** Batches the examples, padding with {@code padId} (usually the EOS id, as GPT-2 has no pad token). */
    public static CompletionBatch of(List<CompletionExample> examples, int padId) {
        List<int[]> sequences = new ArrayList<>(examples.size());
        int[] promptLengths = new int[examples.size()];
        int[] completionLengths = new int[examples.size()];
        for (int b = 0; b < examples.size(); b++) {
            CompletionExample e = examples.get(b);
            sequences.add(e.tokens());
            promptLengths[b] = e.prompt().length;
            completionLengths[b] = e.completion().length;
        }
        PaddedBatch batch = PaddedBatch.pad(sequences, Padding.right(padId));
        int t = batch.length();
        float[] mask = new float[examples.size() * (t - 1)];
        for (int b = 0; b < examples.size(); b++) {
            for (int j = 0; j < completionLengths[b]; j++) {
                mask[b * (t - 1) + promptLengths[b] - 1 + j] = 1f;
            }
        }
        return new CompletionBatch(batch, mask, promptLengths, completionLengths);
    }

    public int size() {
        return batch.batchSize();
    }

    /** The token ids as the model's int64 tensor. (B, T) */
    public Tensor inputIds() {
        return batch.inputIdTensor(0, batch.length());                                     // (B, T)
    }

    /** The completion mask as a float tensor of 0/1 of the given type. (B, T-1) */
    public Tensor completionMask(DType type) {
        Tensor mask32 = Tensor.of(mask, batch.batchSize(), batch.length() - 1);            // (B, T-1)
        return type == DType.FLOAT32 ? mask32 : mask32.to(type);
    }

    /** The number of scored (completion) tokens in the batch. */
    public int completionTokens() {
        int n = 0;
        for (int c : completionLengths) {
            n += c;
        }
        return n;
    }

    /** The number of real (non-pad) tokens in the batch. */
    public int realTokens() {
        int n = completionTokens();
        for (int p : promptLengths) {
            n += p;
        }
        return n;
    }
}
