package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One micro-batch of an SFT step as a unit of work that any machine can compute: its examples (already cut to
 * {@code max_length}), the scored tokens of the whole step its token sum is divided by, and the seed of its dropout
 * masks. Its {@link #backward} is SFT's loss on that micro-batch,
 * <pre>
 *   L_k = - sum_{b,t} m[b,t] logp[b,t] / tokensInStep                       (the step's loss is sum_k L_k)
 * </pre>
 *
 * @param examples     the micro-batch's examples
 * @param tokensInStep scored tokens of every micro-batch of the step (HF's {@code num_items_in_batch})
 * @param dropoutSeed  the seed of this micro-batch's dropout masks ({@link TrainingPlan#shardSeed})
 */
public record SftGradientShard(List<CompletionExample> examples, double tokensInStep, long dropoutSeed) implements Serializable {
    private static final long serialVersionUID = 1L;

    public SftGradientShard {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("SftGradientShard: a micro-batch needs at least one example");
        }
        examples = List.copyOf(examples);
    }

    /** The shard of {@code examples}. */
    public static SftGradientShard of(List<CompletionExample> examples, double tokensInStep, long dropoutSeed) {
        return new SftGradientShard(examples, tokensInStep, dropoutSeed);
    }

    /** The shard of an already batched micro-batch (its rows' real tokens split at each prompt length). */
    public static SftGradientShard of(CompletionBatch batch, double tokensInStep, long dropoutSeed) {
        List<CompletionExample> rows = new ArrayList<>(batch.size());
        for (int b = 0; b < batch.size(); b++) {
            int[] tokens = batch.batch().tokens(b);
            int p = batch.promptLengths()[b];
            rows.add(new CompletionExample(java.util.Arrays.copyOf(tokens, p), java.util.Arrays.copyOfRange(tokens, p, tokens.length)));
        }
        return of(rows, tokensInStep, dropoutSeed);
    }

    /** The examples, right-padded with {@code padId} as the trainer batches them. */
    public CompletionBatch batch(int padId) {
        return CompletionBatch.of(examples, padId);
    }

    /**
     * Forward and backward on {@code model} (dropout drawn from {@link #dropoutSeed}): accumulates the gradient of
     * L_k into its parameters and frees every intermediate.
     */
    public SftTrainer.Forward backward(CausalLM model, boolean completionOnlyLoss) {
        model.train(new TensorRandom(dropoutSeed));
        return backward(model, batch(model.config().eosTokenId()), tokensInStep, completionOnlyLoss);
    }

    /** Forward and backward of {@code batch} in the model's current mode, the token sum divided by {@code tokensInStep}. */
    static SftTrainer.Forward backward(CausalLM model, CompletionBatch batch, double tokensInStep, boolean completionOnlyLoss) {
        try (Arena pass = Arena.open()) {
            DType type = model.dtype().computeType();
            Tensor ids = batch.inputIds();                                                 // (B, T)
            Tensor mask = lossMask(batch, type, completionOnlyLoss);                       // (B, T-1)
            Tensor logits = model.forward(batch.batch());                                  // (B, T, V)
            TokenLogProbs logp = TokenLogProbs.of(logits, ids, mask, 1.0);                 // (B, T-1)
            Tensor loss = logp.logProbs().sum().neg().div(tokensInStep);                   // ()
            loss.backward();
            return new SftTrainer.Forward(loss.item(), scoredTokens(batch, completionOnlyLoss), correctPredictions(logits, ids, mask),
                    batch.realTokens());
        }
    }

    /** The positions the loss scores: completion tokens, or every real token after the first. */
    static int scoredTokens(CompletionBatch batch, boolean completionOnlyLoss) {
        return completionOnlyLoss ? batch.completionTokens() : batch.realTokens() - batch.size();
    }

    /** The scored positions: completion tokens, or every real token after the first when not {@code completionOnlyLoss}. (B, T-1) */
    private static Tensor lossMask(CompletionBatch batch, DType type, boolean completionOnlyLoss) {
        if (completionOnlyLoss) {
            return batch.completionMask(type);                                             // (B, T-1)
        }
        int b = batch.size();
        int t = batch.batch().length();
        double[] m = new double[b * (t - 1)];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t - 1; j++) {
                m[r * (t - 1) + j] = batch.batch().mask(r, j + 1);
            }
        }
        return Tensor.of(m, type, b, t - 1);                                               // (B, T-1)
    }

    /** Scored positions whose largest logit is the next token's. */
    private static int correctPredictions(Tensor logits, Tensor ids, Tensor mask) {
        try (var noGrad = NoGrad.enter()) {
            long t = logits.size(1);
            Tensor predicting = logits.narrow(1, 0, t - 1);                                // (B, T-1, V)
            double[] best = predicting.max(-1, false).toDoubleArray();                     // (B, T-1)
            double[] next = predicting.gatherLast(ids.narrow(1, 1, t - 1)).toDoubleArray(); // (B, T-1)
            double[] m = mask.toDoubleArray();
            int correct = 0;
            for (int i = 0; i < m.length; i++) {
                correct += m[i] != 0 && next[i] >= best[i] ? 1 : 0;
            }
            return correct;
        }
    }
}
