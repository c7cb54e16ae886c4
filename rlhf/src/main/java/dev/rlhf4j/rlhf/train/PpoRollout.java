package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import java.util.List;

/**
 * One prompt's rollout as PPO's epochs consume it: the prompt and its completion, and per completion token the
 * quantities fixed when it was sampled (plain doubles on the heap, so they outlive every step's arena and cost no
 * off-heap memory between minibatches).
 *
 * @param example    the prompt and the completion (cut after its stop token)
 * @param logProbs   log pi_old of each completion token, at the sampling temperature   (C)
 * @param values     V_old of each completion token's position                          (C)
 * @param advantages whitened GAE advantages                                            (C)
 * @param returns    GAE value targets A + V (before whitening)                         (C)
 */
public record PpoRollout(CompletionExample example, double[] logProbs, double[] values, double[] advantages, double[] returns) {
    public PpoRollout {
        int c = example.completion().length;
        if (logProbs.length != c || values.length != c || advantages.length != c || returns.length != c) {
            throw new IllegalArgumentException("PpoRollout: a completion of " + c + " tokens needs " + c + " log-probs, values, advantages"
                    + " and returns, got " + logProbs.length + ", " + values.length + ", " + advantages.length + ", " + returns.length);
        }
    }

    /**
     * Rollouts of a batch from its (B, T-1) per-token tensors: row b's entries at its completion positions.
     */
    static PpoRollout[] split(CompletionBatch batch, List<CompletionExample> examples, Tensor logProbs, Tensor values,
                              Tensor advantages, Tensor returns) {
        double[] lp = logProbs.toDoubleArray();
        double[] v = values.toDoubleArray();
        double[] a = advantages.toDoubleArray();
        double[] r = returns.toDoubleArray();
        int w = batch.batch().length() - 1;
        PpoRollout[] out = new PpoRollout[examples.size()];
        for (int b = 0; b < out.length; b++) {
            int from = b * w + batch.promptLengths()[b] - 1;
            int to = from + batch.completionLengths()[b];
            out[b] = new PpoRollout(examples.get(b), java.util.Arrays.copyOfRange(lp, from, to), java.util.Arrays.copyOfRange(v, from, to),
                    java.util.Arrays.copyOfRange(a, from, to), java.util.Arrays.copyOfRange(r, from, to));
        }
        return out;
    }

    /**
     * A minibatch of rollouts, padded as the trainer pads every batch: right-padded prompt + completion with
     * {@code padId}, per-token quantities at the completion mask's positions, 0 elsewhere.
     *
     * @param batch      the ids and completion mask
     * @param mask       the completion mask                              (B, T-1)
     * @param logProbs   log pi_old                                       (B, T-1)
     * @param values     V_old                                            (B, T-1)
     * @param advantages A                                                (B, T-1)
     * @param returns    R                                                (B, T-1)
     */
    public record Minibatch(CompletionBatch batch, Tensor mask, Tensor logProbs, Tensor values, Tensor advantages, Tensor returns) {
        /** Pads {@code rows} into tensors of {@code type} (the policy's compute type), owned by the current arena. */
        public static Minibatch of(List<PpoRollout> rows, int padId, DType type) {
            List<CompletionExample> examples = rows.stream().map(PpoRollout::example).toList();
            CompletionBatch batch = CompletionBatch.of(examples, padId);
            int b = rows.size();
            int w = batch.batch().length() - 1;
            double[][] planes = new double[4][b * w];
            for (int i = 0; i < b; i++) {
                PpoRollout row = rows.get(i);
                int from = i * w + batch.promptLengths()[i] - 1;
                System.arraycopy(row.logProbs, 0, planes[0], from, row.logProbs.length);
                System.arraycopy(row.values, 0, planes[1], from, row.values.length);
                System.arraycopy(row.advantages, 0, planes[2], from, row.advantages.length);
                System.arraycopy(row.returns, 0, planes[3], from, row.returns.length);
            }
            return new Minibatch(batch, batch.completionMask(type), Tensor.of(planes[0], type, b, w), Tensor.of(planes[1], type, b, w),
                    Tensor.of(planes[2], type, b, w), Tensor.of(planes[3], type, b, w));
        }

        public int size() {
            return batch.size();
        }
    }
}
