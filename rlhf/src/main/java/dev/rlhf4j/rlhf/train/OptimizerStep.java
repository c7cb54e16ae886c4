package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.nn.optim.GradClip;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The optimizer step every trainer takes once its micro-batches' gradients are accumulated, as Hugging Face's
 * {@code Trainer} takes it:
 * <pre>
 *   1 grad_norm = ||g||_2 over every trained parameter;  g = g * max_grad_norm / (grad_norm + 1e-6)  if that is below 1
 *   2 a loss or grad_norm that is NaN or infinite skips the update ({@link NonFiniteGuard})
 *   3 AdamW at the step's learning rate; weight decay on matrices only, none on biases and norm weights
 *   4 the gradients zeroed for the next step
 * </pre>
 * {@code max_grad_norm} 0 means no clipping ({@link #NO_CLIPPING}), as the {@code Trainer} reads it; the norm is still
 * computed and reported. The weight-decay rule is the {@code Trainer}'s ({@code get_decay_parameter_names}: every
 * parameter but biases and LayerNorm weights), which for the models here are exactly the tensors of rank 1
 * ({@link AdamW#matricesOnly}). {@link #save} and {@link #restore} write and read AdamW, the guard and a trainer's
 * counters ({@link TrainerState}).
 */
public final class OptimizerStep {
    /** {@code max_grad_norm} that clips nothing. */
    public static final double NO_CLIPPING = 0;

    private final AdamW adam;
    private final double maxGradNorm;
    private final NonFiniteGuard guard;
    private long steps;
    private boolean updated;

    /**
     * @param trained     the parameters to train, by name (those that do not require a gradient are left out)
     * @param config      AdamW's hyper-parameters; its {@code lr} is replaced by each step's
     * @param maxGradNorm the global norm the gradient is clipped to; {@link #NO_CLIPPING} for none
     * @param guard       the trainer's count of non-finite steps
     */
    public OptimizerStep(Map<String, Tensor> trained, AdamW.Config config, double maxGradNorm, NonFiniteGuard guard) {
        if (!(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("max_grad_norm must be >= 0 (0: no clipping), got " + maxGradNorm);
        }
        this.adam = new AdamW(trained, config, AdamW.matricesOnly(trained));
        this.maxGradNorm = maxGradNorm;
        this.guard = guard;
    }

    /** {@code max_grad_norm} of a config where null means no clipping. */
    public static double maxGradNorm(Double nullForNone) {
        return nullForNone == null ? NO_CLIPPING : nullForNone;
    }

    /**
     * Steps 1-4 on the gradients accumulated so far, at learning rate {@code lr}; {@code loss} is the step's loss (what
     * the guard checks with the norm). Returns grad_norm, the norm before clipping.
     */
    public double step(double lr, double loss) {
        adam.setLearningRate(lr);
        double gradNorm;
        try (Arena a = Arena.open()) {
            gradNorm = GradClip.clipGradNorm(adam.parameters(), maxGradNorm > 0 ? maxGradNorm : Double.POSITIVE_INFINITY);
            updated = guard.admit(steps + 1, loss, gradNorm, adam);
            if (updated) {
                adam.step();
            }
            adam.zeroGrad();
        }
        steps++;
        return gradNorm;
    }

    /** Whether the last step updated the weights (false: it was skipped as non-finite). */
    public boolean updated() {
        return updated;
    }

    /** Optimizer steps taken, skipped ones included. */
    public long steps() {
        return steps;
    }

    /** Continues the count of steps of a restored run. */
    public void resumeAt(long stepsTaken) {
        if (stepsTaken < 0) {
            throw new IllegalArgumentException("OptimizerStep: a negative step count " + stepsTaken);
        }
        this.steps = stepsTaken;
    }

    /** {@code nonfinite} (whether the last step was skipped) and {@code skipped_steps} into a step's metrics. */
    public void reportNonFinite(Map<String, Double> metrics) {
        guard.report(metrics, updated);
    }

    /** Steps skipped so far as non-finite. */
    public long skipped() {
        return guard.skipped();
    }

    /** {@code nonfinite} (skipped since {@code skippedBefore}) and {@code skipped_steps}, for a report over several steps. */
    public void reportNonFiniteSince(Map<String, Double> metrics, long skippedBefore) {
        guard.reportSince(metrics, skippedBefore);
    }

    /** Writes AdamW and {@code counters} (led by {@code global_step}) with the guard's counts into {@code dir}. */
    public void save(Path dir, Map<String, ? extends Number> counters) throws IOException {
        TrainerState.save(dir, adam, guard, counters);
    }

    /**
     * Restores what {@link #save} wrote into AdamW and the guard; returns {@code global_step} (at most {@code totalSteps})
     * and the other {@code keys}. The caller resumes the step count ({@link #resumeAt}) from the counter that holds it.
     */
    public Map<String, Long> restore(Path dir, long totalSteps, String... keys) {
        return TrainerState.restore(dir, adam, guard, totalSteps, keys);
    }

    /** The trained parameters, in AdamW's order. */
    public List<Tensor> parameters() {
        return adam.parameters();
    }

    /** AdamW itself (its moments and step count, e.g. to measure or inspect them). */
    public AdamW adamW() {
        return adam;
    }

    /** Frees AdamW's moments. */
    public void release() {
        adam.release();
    }
}
