package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.rlhf.Checkpointable;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The reference model pi_ref of RLHF as PPO, DPO and every later trainer consume it: the per-token log-probs
 * of a batch under the frozen starting policy, which the KL penalty (PPO) or the implicit reward
 * {@code beta (log pi - log pi_ref)} (DPO) holds the policy to. How those log-probs are produced is the strategy:
 * <pre>
 *   FrozenCopyReference      a deep copy of the policy, frozen, in eval mode      + 1 model of weights
 *   HalfPrecisionReference   the same copy stored in bfloat16 / float16           + 1/2 model
 *   OffloadedReference       weights in a safetensors file, one block at a time   + embeddings + 1 block
 *   LoraDisabledReference    the policy itself with its LoRA adapters off         + 0
 *   PrecomputedReference     log-probs of the whole dataset cached in a file      + the cache
 *   PeriodicReference        another strategy, fresh only every k-th iteration    + the last log-probs
 *   SynchronizedReference    a copy mixed towards the policy every n steps        + 1 model (TR-DPO)
 * </pre>
 *
 * <p>Legend: B batch, T sequence length (prompt + completion + padding).
 *
 * <p>Every strategy gives {@code logp_ref[b, t] = log softmax(ref(ids[b, :t+1]))[ids[b, t+1]]}, the log-prob of the
 * token that follows, as {@link TokenLogProbs#of} defines it (temperature 1). Results carry no graph and are in
 * float32, or float64 for a float64 model: never in half precision. PPO samples at a temperature tau and compares
 * policy and reference on the same tempered distributions ({@code log_softmax(logits / tau)}, as TRL divides the
 * reference logits too); {@link #logProbs(PaddedBatch, Tensor, double)} is that pass.
 *
 * <p>A reference is a part of a run's checkpoint: a frozen one is rebuilt from {@code --model} on resume and writes
 * nothing; one that moves with the policy ({@link SynchronizedReference}) writes its weights and counters.
 */
public interface ReferenceModel extends Checkpointable, AutoCloseable {
    /**
     * The reference's log-probs of each next token of {@code batch}.
     *
     * @param batch          the token ids, attention mask and positions (B, T), T >= 2
     * @param completionMask (B, T-1) float 0/1: position t is scored iff token t+1 is a completion token
     * @return log-probs (B, T-1), exactly 0 where the mask is 0, with the mask; owned by the caller's arena
     */
    TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask);

    /**
     * The reference's log-probs of each next token under its logits divided by {@code temperature}:
     * {@code logp_ref[b, t] = log_softmax(ref(ids[b, :t+1]) / temperature)[ids[b, t+1]]}. Every strategy of this
     * package computes any temperature; a strategy that only knows temperature 1 refuses another one by name.
     *
     * @param temperature the policy's sampling temperature (> 0); 1 is {@link #logProbs(PaddedBatch, Tensor)}
     */
    default TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        if (temperature != 1.0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " computes reference log-probs at temperature 1 only, asked for "
                    + temperature);
        }
        return logProbs(batch, completionMask);
    }

    /**
     * Tells the strategy that the trainer has just taken optimizer step {@code step} (1, 2, ...) of {@code policy}:
     * {@link SynchronizedReference} mixes its weights towards the policy here. Most strategies ignore it.
     */
    default void onStep(Module policy, long step) {
    }

    /** Writes nothing: a reference that does not move is rebuilt from the model it was created from. */
    @Override
    default void saveState(Path dir) throws IOException {
    }

    /** Nothing to restore for a reference that does not move. */
    @Override
    default void restoreState(Path dir) {
    }

    /**
     * The reference as a value another JVM rebuilds it from ({@link ReferenceRecipe}), for the strategies that stay
     * fixed during a run. A reference that follows the policy (synchronized, periodic) has none: its weights would
     * have to follow the driver's every few steps.
     *
     * @throws IllegalArgumentException for a reference that moves during the run, in one line naming the ones that travel
     */
    default ReferenceRecipe recipe() {
        throw new IllegalArgumentException("--master: " + getClass().getSimpleName() + " moves with the policy during the run and is"
                + " not sent to executors; use --reference frozen, bf16, fp16, offloaded or lora-disabled (and --sync-ref-model false),"
                + " or run without --master");
    }

    /**
     * Checks that the reference is still the model it was created as (or last synchronised to): no parameter
     * requires a gradient and a SHA-256 of the weights (or cached log-probs) is unchanged. Throws an
     * {@link IllegalStateException} naming the first parameter that is not.
     */
    void verifyFrozen();

    /**
     * The most bytes this strategy holds at once beyond the policy: parameters, streaming buffers and caches,
     * counted, not estimated from the process's memory. Zero when it holds nothing of its own.
     */
    long heldBytes();

    /** Frees what the strategy holds (weights, buffers, open files); it is unusable afterwards. */
    @Override
    void close();
}
