package dev.rlhf4j.nn.heads;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.util.Arrays;
import java.util.Map;

/**
 * The reward model's head: one scalar per sequence, read at its last non-pad token, named as Hugging Face's
 * {@code GPT2ForSequenceClassification} with one label ({@code score.weight} (1, C), no bias).
 *
 * <p>Legend: B batch, T time, C channels.
 */
public final class ScoreHead implements ScalarHead {
    private final Linear score;                  // torch.nn.Linear (1, C), no bias

    public ScoreHead(int nEmbd, DType type) {
        this.score = new Linear("score", Linear.Layout.TORCH_LINEAR, nEmbd, 1, false, type);
    }

    @Override
    public void initialize(TensorRandom random, double std) {
        Tensor w = random.normal(score.weight().dtype(), 0.0, std, score.weight().shape());
        score.weight().assign(w);
        w.release();
    }

    /** Hidden states (B, T, C) of unpadded rows to one score per row (B), read at the last position. */
    public Tensor forward(Tensor hidden) {
        int[] last = new int[(int) hidden.size(0)];
        Arrays.fill(last, (int) hidden.size(1) - 1);
        return scoreAt(hidden, last);
    }

    /**
     * Hidden states (B, T, C) of {@code batch} to one score per row (B), read at each row's last real token
     * (whether the batch is left- or right-padded).
     */
    public Tensor forward(Tensor hidden, PaddedBatch batch) {
        if (hidden.size(0) != batch.batchSize() || hidden.size(1) != batch.length()) {
            throw new ShapeException("ScoreHead: hidden states " + Arrays.toString(hidden.shape()) + " do not match the batch's ("
                    + batch.batchSize() + ", " + batch.length() + ")");
        }
        return scoreAt(hidden, batch.lastIndex());
    }

    @Override
    public Tensor perPosition(Tensor hidden) {
        return score.forward(hidden).reshape(hidden.size(0), hidden.size(1)); // (B, T)
    }

    private Tensor scoreAt(Tensor hidden, int[] last) {
        int b = (int) hidden.size(0);
        return perPosition(hidden).gatherLast(Tensor.ofInts(last, b));        // (B)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        score.collectParameters(out);
    }
}
