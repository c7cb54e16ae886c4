package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import java.util.Map;

/**
 * The reward model's head: one scalar per sequence, read at its last non-pad token, named as Hugging Face's
 * {@code GPT2ForSequenceClassification} with one label ({@code score.weight} (1, C), no bias).
 *
 * <p>Legend: B batch, T time, C channels.
 */
public final class ScoreHead implements Module {
    private final Linear score;                  // torch.nn.Linear (1, C), no bias

    public ScoreHead(int nEmbd, DType type) {
        this.score = new Linear("score", Linear.Layout.TORCH_LINEAR, nEmbd, 1, false, type);
    }

    public void initialize(TensorRandom random, double std) {
        Tensor w = random.normal(score.weight().dtype(), 0.0, std, score.weight().shape());
        score.weight().assign(w);
        w.release();
    }

    /**
     * Hidden states (B, T, C) to one score per row (B), taken at the last position whose attention mask is 1
     * (the last real token, whether the batch is left- or right-padded); a null mask means the last position.
     */
    public Tensor forward(Tensor hidden, Tensor attentionMask) {
        int b = (int) hidden.size(0);
        int t = (int) hidden.size(1);
        long[] last = new long[b];
        long[] mask = attentionMask == null ? null : attentionMask.toLongArray();
        for (int r = 0; r < b; r++) {
            last[r] = t - 1;
            if (mask != null) {
                last[r] = -1;
                for (int j = 0; j < t; j++) {
                    if (mask[r * t + j] != 0) {
                        last[r] = j;
                    }
                }
                if (last[r] < 0) {
                    throw new IllegalArgumentException("ScoreHead: row " + r + " of the attention mask has no real token");
                }
            }
        }
        Tensor perToken = score.forward(hidden).reshape(b, t);                // (B, T)
        return perToken.gatherLast(Tensor.ofLongs(last, b));                  // (B)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        score.collectParameters(out);
    }
}
