package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A reference that follows the policy (TR-DPO, Gorbatovski et al. 2024; TRL's {@code sync_ref_model}): a frozen copy
 * that, after every {@code syncSteps}-th optimizer step, is mixed towards the policy by soft update
 * <pre>
 *   ref = alpha * policy + (1 - alpha) * ref          (ref_model_mixup_alpha = alpha, ref_model_sync_steps = syncSteps)
 * </pre>
 * computed as TRL does, {@code ref.mul_(1 - alpha).add_(policy, alpha=alpha)}. alpha = 1 is a hard copy ("hard
 * update", TR-DPO^tau) and alpha = 0 leaves the reference as it is. Between synchronisations the copy is frozen and
 * {@link #verifyFrozen} holds it to the weights of the last synchronisation.
 */
public final class SynchronizedReference implements ReferenceModel {
    /** Its file in a checkpoint folder. */
    public static final String FILE = "synced_reference.safetensors";
    private static final String SYNCS = "syncs";
    private static final String LAST_SYNC_STEP = "last_sync_step";
    private final FrozenCopyReference copy;
    private final int syncSteps;
    private final double alpha;
    private long syncs;
    private long lastSyncStep;

    /**
     * @param policy    the policy, copied as it is now
     * @param syncSteps synchronise after every step that is a multiple of this (TRL default 512)
     * @param alpha     the mix-up weight of the policy in [0, 1] (TRL default 0.6)
     */
    public SynchronizedReference(CausalLM policy, int syncSteps, double alpha) {
        if (syncSteps < 1) {
            throw new IllegalArgumentException("SynchronizedReference: ref_model_sync_steps must be >= 1, got " + syncSteps);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("SynchronizedReference: ref_model_mixup_alpha must lie in [0, 1], got " + alpha);
        }
        this.copy = new FrozenCopyReference(policy, policy.dtype(), "SynchronizedReference");
        this.syncSteps = syncSteps;
        this.alpha = alpha;
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return copy.logProbs(batch, completionMask);
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        return copy.logProbs(batch, completionMask, temperature);
    }

    /** After step {@code step}: mixes the reference towards {@code policy} when {@code step} is a multiple of syncSteps. */
    @Override
    public void onStep(Module policy, long step) {
        if (step > 0 && step % syncSteps == 0) {
            synchronize(policy);
            lastSyncStep = step;
        }
    }

    /** {@code ref = alpha * policy + (1 - alpha) * ref} now, whatever the step; the seal moves to the new weights. */
    public void synchronize(Module policy) {
        Map<String, Tensor> from = policy.namedParameters();
        try (NoGrad ng = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : copy.weights().entrySet()) {
                Tensor p = from.get(e.getKey());
                if (p == null) {
                    throw new IllegalArgumentException("SynchronizedReference: the policy has no parameter '" + e.getKey() + "'");
                }
                Tensor ref = e.getValue();
                if (alpha == 1.0) {
                    ref.assign(p);
                } else if (alpha > 0.0) {
                    ref.scaleInPlace(1.0 - alpha).addInPlace(p, alpha);
                }
            }
        }
        copy.reseal();
        syncs++;
    }

    /** How many synchronisations have happened (a metric trainers log). */
    public long syncs() {
        return syncs;
    }

    /** The step of the last synchronisation by {@link #onStep}, 0 before the first. */
    public long lastSyncStep() {
        return lastSyncStep;
    }

    public double alpha() {
        return alpha;
    }

    public int syncSteps() {
        return syncSteps;
    }

    /**
     * Writes what a resumed run needs of this reference into the checkpoint folder {@code dir}, as {@value #FILE}: its
     * weights as of the last synchronisation (safetensors, under the policy's parameter names) and, as metadata, the
     * synchronisation count and step.
     */
    @Override
    public void saveState(Path dir) {
        Map<String, String> counters = new java.util.TreeMap<>(Map.of(SYNCS, Long.toString(syncs), LAST_SYNC_STEP,
                Long.toString(lastSyncStep)));                             // sorted: the header is the same bytes every run
        SafetensorsWriter.write(dir.resolve(FILE), copy.weights(), counters);
    }

    /** Continues from what {@link #saveState} wrote into {@code dir}: the weights, the counters and the seal on them. */
    @Override
    public void restoreState(Path dir) {
        Path file = dir.resolve(FILE);
        try (SafetensorsReader reader = SafetensorsReader.open(file); NoGrad ng = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : copy.weights().entrySet()) {
                SafetensorsReader.Entry entry = reader.entries().get(e.getKey());
                if (entry == null || !Arrays.equals(entry.shape(), e.getValue().shape())) {
                    throw new CheckpointException(file + ": the synchronized reference's '" + e.getKey() + "' is "
                            + (entry == null ? "missing" : "of shape " + Arrays.toString(entry.shape())) + ", the model needs "
                            + Arrays.toString(e.getValue().shape()));
                }
                Tensor loaded = reader.read(e.getKey());
                e.getValue().assign(loaded);
                loaded.release();
            }
            syncs = counter(reader, file, SYNCS);
            lastSyncStep = counter(reader, file, LAST_SYNC_STEP);
        }
        copy.reseal();
    }

    private static long counter(SafetensorsReader reader, Path file, String key) {
        String value = reader.metadata().get(key);
        try {
            long n = Long.parseLong(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the value
        }
        throw new CheckpointException(file + ": __metadata__ '" + key + "' must be a count, got " + value);
    }

    /** The reference's parameters by name, as of the last synchronisation. */
    public Map<String, Tensor> weights() {
        return copy.weights();
    }

    @Override
    public void verifyFrozen() {
        copy.verifyFrozen();
    }

    @Override
    public long heldBytes() {
        return copy.heldBytes();
    }

    @Override
    public void close() {
        copy.close();
    }
}
