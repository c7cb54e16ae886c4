package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.DpoBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.dpo.PreferenceLogProbs;
import dev.rlhf4j.rlhf.dpo.PreferenceLoss;
import dev.rlhf4j.rlhf.dpo.PreferenceOutput;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import java.util.Arrays;

/**
 * The forward and backward of DPO's loss on one micro-batch, on whichever copy of the policy computes it: the
 * trainer's own ({@link DpoTrainer}) or an executor's replica. It holds the models, not the optimizer.
 * <pre>
 *   logits = policy(rows)                                                    (2B, T, V)
 *   logp   = sum_t m[b,t] log softmax(logits)[b,t,ids[b,t+1]]                (2B)      (the mean for IPO, SimPO)
 *   loss   = L(beta [(logp_c - ref_c) - (logp_r - ref_r)])                   ()        backward of lossScale * loss
 * </pre>
 */
public final class DpoGradient {
    private final CausalLM policy;
    private final Module trainable;
    private final ReferenceModel reference;
    private final DpoConfig config;
    private final PreferenceLoss loss;
    private final DType logProbType;

    /**
     * @param policy    the model whose log-probs the loss reads (with its LoRA adapters attached, if any)
     * @param trainable {@code policy} itself or its {@link LoraModel}
     * @param reference the live reference, or null without one (or when every shard brings its log-probs)
     */
    public DpoGradient(CausalLM policy, Module trainable, ReferenceModel reference, DpoConfig config) {
        this.policy = policy;
        this.trainable = trainable;
        this.reference = reference;
        this.config = config;
        this.loss = config.loss();
        this.logProbType = policy.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
    }

    /** {@code pairs} truncated and batched as DPO batches them (2B rows, padded with GPT-2's EOS). */
    public DpoBatch batch(java.util.List<PreferenceExample> pairs) {
        return DpoBatch.of(pairs, config.maxLength(), config.maxPromptLength(), policy.config().eosTokenId(),
                policy.config().maxPositions());
    }

    /** The shard's forward and backward (the gradient of {@code lossScale * loss} accumulates). */
    public DpoStep step(DpoGradientShard shard, StepObserver observer) {
        return step(batch(shard.pairs()), shard.lossScale(), shard.referenceLogps(), shard.referenceType(), observer);
    }

    /**
     * One forward and backward on {@code batch}: the gradient of {@code lossScale * loss} is added to the trainable
     * parameters' gradients. The reference's log-probs are {@code given} ((2B, T-1) row-major, in {@code givenType})
     * or, when null, the live reference's. Every intermediate is freed before it returns.
     */
    public DpoStep step(DpoBatch batch, double lossScale, double[] given, DType givenType, StepObserver observer) {
        setTrainingMode();
        CompletionBatch rows = batch.rows();
        int b = batch.pairs();
        try (Arena arena = Arena.open()) {
            // 1. one forward of the chosen and rejected rows together
            Tensor logits = policy.forward(rows.batch());                                   // (2B, T, V)
            Tensor mask = rows.completionMask(logProbType);                                 // (2B, T-1)
            TokenLogProbs policyTokens = TokenLogProbs.of(logits, rows.inputIds(), mask, 1.0);  // (2B, T-1)
            Tensor policyLogps = sequenceLogps(policyTokens);                              // (2B)
            // 2. the reference's log-probs of the same rows (no graph)
            TokenLogProbs referenceTokens = given != null
                    ? new TokenLogProbs(Tensor.of(given, givenType, 2L * b, mask.size(1)), mask)  // (2B, T-1)
                    : reference == null ? null : reference.logProbs(rows.batch(), mask);         // (2B, T-1)
            Tensor referenceLogps = referenceTokens == null
                    ? Tensor.zeros(logProbType, 2L * b)                                     // (2B)
                    : sequenceLogps(referenceTokens).to(logProbType);                       // (2B)
            observer.batch("pairs", rows);
            observer.tensors("mask policy_token_logps policy_logps reference_logps", mask, policyTokens.logProbs(), policyLogps, referenceLogps);
            if (referenceTokens != null) {
                observer.tensor("reference_token_logps", referenceTokens.logProbs());
            }
            // 3. the loss of rlhf.dpo on the four sequence log-probs
            PreferenceLogProbs logps = new PreferenceLogProbs(policyLogps.narrow(0, 0, b), policyLogps.narrow(0, b, b),
                    referenceLogps.narrow(0, 0, b), referenceLogps.narrow(0, b, b));          // (B) each
            PreferenceOutput out = loss.compute(logps);
            observer.tensors("losses chosen_rewards rejected_rewards loss", out.losses(), out.chosenRewards(), out.rejectedRewards(), out.loss());
            // 4. backward
            out.loss().mul(lossScale).backward();
            // 5. TRL's mean logits over the positions that predict completion tokens
            double[] logitSums;
            try (NoGrad ng = NoGrad.enter()) {
                Tensor wide = logits.narrow(1, 0, logits.size(1) - 1).to(logProbType);     // (2B, T-1, V)
                Tensor perPosition = wide.sum(-1, false);                                  // (2B, T-1)
                logitSums = Masked.rowSum(perPosition, mask).toDoubleArray();              // (2B)
            }
            double vocab = logits.size(2);
            double[] p = policyLogps.detach().toDoubleArray();
            double[] r = referenceLogps.toDoubleArray();
            return new DpoStep(out.loss().item(), out.losses().detach().toDoubleArray(), head(p, b), tail(p, b),
                    head(r, b), tail(r, b), out.chosenRewards().toDoubleArray(), out.rejectedRewards().toDoubleArray(),
                    sum(head(logitSums, b)) / (batch.chosenTokens() * vocab),
                    sum(tail(logitSums, b)) / (batch.rejectedTokens() * vocab), rows.realTokens(), batch.truncated());
        }
    }

    /** Sum of each row's completion log-probs, or their mean for a length-normalised loss. (2B) */
    private Tensor sequenceLogps(TokenLogProbs tokens) {
        return loss.lengthNormalised() ? tokens.mean() : tokens.sum();         // (2B)
    }

    /** Dropout off in the policy and its adapters (TRL's {@code disable_dropout}): the loss is a function of the weights. */
    private void setTrainingMode() {
        policy.eval();
        if (trainable instanceof LoraModel lora) {
            lora.eval();
        }
    }

    private static double[] head(double[] v, int n) {
        return Arrays.copyOfRange(v, 0, n);
    }

    private static double[] tail(double[] v, int n) {
        return Arrays.copyOfRange(v, n, 2 * n);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
