package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimizer side GRPO and RLOO share: AdamW (betas 0.9 / 0.999, eps 1e-8) on the policy's parameters, or only on its
 * LoRA adapters; the learning rate decayed linearly to 0 over the run's optimizer steps (TRL's default schedule);
 * optional global-norm clipping; a step whose loss or gradient norm is not finite skipped ({@link NonFiniteGuard});
 * and after each step the reference told of it ({@link ReferenceModel#onStep}, where a synchronised reference mixes
 * towards the policy). {@link #save} and {@link #restore} write and read AdamW and the counters of a checkpoint.
 */
final class PolicyOptimizer {
    private final CausalLM policy;
    private final ReferenceModel reference;
    private final OptimizerStep optimizer;
    private final double peak;
    private final long totalSteps;
    private double lastLr;

    /** @param reference told of every step; null when the trainer has none */
    PolicyOptimizer(CausalLM policy, LoraModel lora, ReferenceModel reference, double lr, double weightDecay, Double maxGradNorm,
                    long totalSteps, NonFiniteGuard guard) {
        this.policy = policy;
        this.reference = reference;
        Map<String, Tensor> trained = lora != null ? lora.namedParameters() : policy.namedParameters();
        this.optimizer = new OptimizerStep(trained, AdamW.Config.torch(lr, weightDecay), OptimizerStep.maxGradNorm(maxGradNorm), guard);
        this.peak = lr;
        this.totalSteps = Math.max(1, totalSteps);
    }

    /**
     * Clips, steps and zeroes the accumulated gradients, unless {@code loss} or the global gradient norm is not finite
     * (then only zeroes them); returns the norm before clipping.
     */
    double step(double loss) {
        lastLr = peak * Math.max(0.0, 1.0 - (double) optimizer.steps() / totalSteps);
        double norm = optimizer.step(lastLr, loss);
        if (reference != null) {
            reference.onStep(policy, optimizer.steps());
        }
        return norm;
    }

    /** Steps skipped so far as non-finite. */
    long skipped() {
        return optimizer.skipped();
    }

    /** {@code nonfinite} (skipped since {@code skippedBefore}) and {@code skipped_steps} into a step's metrics. */
    void reportNonFinite(Map<String, Double> metrics, long skippedBefore) {
        optimizer.reportNonFiniteSince(metrics, skippedBefore);
    }

    /** Writes AdamW and {@code counters} (led by {@code global_step}) with {@code optimizer_steps} into {@code dir}. */
    void save(Path dir, Map<String, Long> counters) throws IOException {
        Map<String, Long> all = new LinkedHashMap<>(counters);
        all.put("optimizer_steps", optimizer.steps());
        optimizer.save(dir, all);
    }

    /** Restores what {@link #save} wrote; returns {@code global_step} (at most {@code totalIterations}) and {@code keys}. */
    Map<String, Long> restore(Path dir, long totalIterations, String... keys) {
        String[] all = java.util.Arrays.copyOf(keys, keys.length + 1);
        all[keys.length] = "optimizer_steps";
        Map<String, Long> c = optimizer.restore(dir, totalIterations, all);
        long steps = c.get("optimizer_steps");
        if (steps < 0 || steps > totalSteps) {
            throw new IllegalArgumentException(dir.resolve(TrainerState.STATE) + ": optimizer_steps " + steps + " is outside the run's "
                    + totalSteps);
        }
        optimizer.resumeAt(steps);
        lastLr = peak * Math.max(0.0, 1.0 - (double) Math.max(0, steps - 1) / totalSteps);
        return c;
    }

    /** The learning rate of the last step. */
    double learningRate() {
        return lastLr;
    }

    long steps() {
        return optimizer.steps();
    }

    void release() {
        optimizer.release();
    }
}
