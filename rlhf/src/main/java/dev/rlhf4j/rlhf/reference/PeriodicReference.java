package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Reference log-probs computed only every {@code every}-th PPO iteration, the last ones reused in between: the
 * reference pass is a forward of a whole model per rollout, and skipping it trades accuracy of the KL penalty for time.
 * Iteration i is the i-th call of {@link #logProbs} (PPO asks once per rollout):
 * <pre>
 *   fresh(i)    = i mod every == 0, or the batch's (B, T-1) or the temperature differs from the kept log-probs'
 *   logp_ref(i) = inner.logProbs(batch_i)           if fresh(i)
 *               = logp_ref(last fresh i') * mask_i  otherwise (position by position)
 * </pre>
 * A reused value belongs to the batch of iteration i', not to this one's tokens: exact when the batch is the same
 * (PPO epochs over one rollout), an approximation otherwise that is only as good as the reference's log-probs are
 * alike across rollouts. {@link #lastWasFresh} and {@link #staleness} are the metrics that say which iterations were
 * fresh; {@link #freshness} is the whole record.
 */
public final class PeriodicReference implements ReferenceModel {
    private final ReferenceModel inner;
    private final int every;
    private final List<Boolean> fresh = new ArrayList<>();
    private double[] kept;                  // (B, T-1) of the last fresh iteration, row-major
    private long[] keptShape;
    private DType keptType;
    private double keptTemperature;
    private long staleness;

    /** Refreshes through {@code inner} every {@code every} iterations; {@code every} 1 is {@code inner} itself. */
    public PeriodicReference(ReferenceModel inner, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("PeriodicReference: every must be >= 1, got " + every);
        }
        this.inner = inner;
        this.every = every;
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return logProbs(batch, completionMask, 1.0);
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        LogitsModel.checkMask(batch, completionMask);
        long iteration = fresh.size();
        boolean refresh = iteration % every == 0 || !Arrays.equals(keptShape, completionMask.shape()) || temperature != keptTemperature;
        fresh.add(refresh);
        if (refresh) {
            TokenLogProbs lp = inner.logProbs(batch, completionMask, temperature);
            keptTemperature = temperature;
            kept = lp.logProbs().toDoubleArray();
            keptShape = lp.logProbs().shape();
            keptType = lp.logProbs().dtype();
            staleness = 0;
            return lp;
        }
        staleness++;
        return new TokenLogProbs(Tensor.of(kept, keptType, keptShape), completionMask);   // (B, T-1)
    }

    /** Whether the last call computed fresh log-probs (the per-iteration metric {@code ref/fresh}). */
    public boolean lastWasFresh() {
        return !fresh.isEmpty() && fresh.get(fresh.size() - 1);
    }

    /** Iterations since the log-probs in use were computed: 0 on a fresh iteration. */
    public long staleness() {
        return staleness;
    }

    /** For each iteration so far, whether its log-probs were fresh. */
    public List<Boolean> freshness() {
        return Collections.unmodifiableList(fresh);
    }

    public int every() {
        return every;
    }

    @Override
    public void onStep(Module policy, long step) {
        inner.onStep(policy, step);
    }

    /**
     * Writes the inner strategy's state; the kept log-probs are not part of a checkpoint, so a resumed run refreshes
     * them on its first call.
     */
    @Override
    public void saveState(Path dir) throws IOException {
        inner.saveState(dir);
    }

    @Override
    public void restoreState(Path dir) {
        inner.restoreState(dir);
    }

    @Override
    public void verifyFrozen() {
        inner.verifyFrozen();
    }

    /** The inner strategy's bytes and the kept log-probs (as the float64 values held). */
    @Override
    public long heldBytes() {
        return inner.heldBytes() + (kept == null ? 0 : 8L * kept.length);
    }

    /** Closes the inner strategy too. */
    @Override
    public void close() {
        inner.close();
    }
}
