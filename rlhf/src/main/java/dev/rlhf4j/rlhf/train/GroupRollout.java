package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import java.util.List;

/**
 * One completion of a group (GRPO and RLOO sample {@code num_generations} completions per prompt) as the critic-free
 * trainers' update passes consume it: heap arrays fixed when it was sampled, so they outlive every step's arena.
 *
 * @param example   the prompt and the completion (cut after its EOS)
 * @param logProbs  log pi_old of each completion token, at the sampling temperature       (C)
 * @param refLogProbs log pi_ref of each completion token; null when no reference pass ran (beta 0)  (C)
 * @param advantage the completion's advantage (one per sequence)
 * @param scored    false for a completion the loss ignores (GRPO's mask_truncated_completions)
 */
public record GroupRollout(CompletionExample example, double[] logProbs, double[] refLogProbs, double advantage, boolean scored) {
    public GroupRollout {
        int c = example.completion().length;
        if (logProbs.length != c || (refLogProbs != null && refLogProbs.length != c)) {
            throw new IllegalArgumentException("GroupRollout: a completion of " + c + " tokens needs " + c + " log-probs and reference"
                    + " log-probs, got " + logProbs.length + " and " + (refLogProbs == null ? "none" : refLogProbs.length));
        }
    }

    /** The completion's tokens that the loss counts. */
    public int scoredTokens() {
        return scored ? example.completion().length : 0;
    }

    /**
     * Rollouts padded as the trainers pad every batch ({@link CompletionBatch}: right padding with {@code padId});
     * per-token quantities at the completion positions, 0 elsewhere; a row that is not scored has an all-zero mask.
     *
     * @param batch       the ids
     * @param mask        the completion mask, rows not scored zeroed            (B, T-1)
     * @param logProbs    log pi_old                                             (B, T-1)
     * @param refLogProbs log pi_ref, or null                                    (B, T-1)
     * @param advantages  each row's advantage at each of its completion positions (B, T-1)
     */
    public record Minibatch(CompletionBatch batch, Tensor mask, Tensor logProbs, Tensor refLogProbs, Tensor advantages) {
        /** Pads {@code rows} into tensors of {@code type} (the policy's compute type), owned by the current arena. */
        public static Minibatch of(List<GroupRollout> rows, int padId, DType type) {
            CompletionBatch batch = CompletionBatch.of(rows.stream().map(GroupRollout::example).toList(), padId);
            int b = rows.size();
            int w = batch.batch().length() - 1;
            boolean withRef = rows.get(0).refLogProbs() != null;
            double[] mask = new double[b * w];
            double[] logp = new double[b * w];
            double[] ref = new double[b * w];
            double[] adv = new double[b * w];
            for (int i = 0; i < b; i++) {
                GroupRollout row = rows.get(i);
                if (withRef != (row.refLogProbs() != null)) {
                    throw new IllegalArgumentException("GroupRollout.Minibatch: row " + i + " differs from row 0 in having reference log-probs");
                }
                int from = i * w + batch.promptLengths()[i] - 1;
                int c = row.logProbs().length;
                System.arraycopy(row.logProbs(), 0, logp, from, c);
                if (withRef) {
                    System.arraycopy(row.refLogProbs(), 0, ref, from, c);
                }
                java.util.Arrays.fill(adv, from, from + c, row.advantage());
                java.util.Arrays.fill(mask, from, from + c, row.scored() ? 1.0 : 0.0);
            }
            return new Minibatch(batch, Tensor.of(mask, type, b, w), Tensor.of(logp, type, b, w), withRef ? Tensor.of(ref, type, b, w) : null,
                    Tensor.of(adv, type, b, w));
        }

        public int size() {
            return batch.size();
        }
    }
}
