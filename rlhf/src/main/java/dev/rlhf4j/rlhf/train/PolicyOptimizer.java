package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.nn.optim.GradClip;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import java.util.Map;

/**
 * The optimizer side GRPO and RLOO share: AdamW (betas 0.9 / 0.999, eps 1e-8) on the policy's parameters, or only on its
 * LoRA adapters; the learning rate decayed linearly to 0 over the run's optimizer steps (TRL's default schedule);
 * optional global-norm clipping; and after each step the reference told of it ({@link ReferenceModel#onStep}, where
 * a synchronised reference mixes towards the policy).
 */
final class PolicyOptimizer {
    private final Gpt2LMHeadModel policy;
    private final ReferenceModel reference;
    private final AdamW adam;
    private final double peak;
    private final Double maxGradNorm;
    private final long totalSteps;
    private long steps;
    private double lastLr;

    /** @param reference told of every step; null when the trainer has none */
    PolicyOptimizer(Gpt2LMHeadModel policy, LoraModel lora, ReferenceModel reference, double lr, double weightDecay, Double maxGradNorm,
                    long totalSteps) {
        this.policy = policy;
        this.reference = reference;
        Map<String, Tensor> trained = lora != null ? lora.namedParameters() : policy.namedParameters();
        this.adam = new AdamW(trained, new AdamW.Config(lr, 0.9, 0.999, 1e-8, weightDecay), n -> true);
        this.peak = lr;
        this.maxGradNorm = maxGradNorm;
        this.totalSteps = Math.max(1, totalSteps);
    }

    /** Clips, steps and zeroes the accumulated gradients; returns the global gradient norm before clipping (NaN without clipping). */
    double step() {
        lastLr = peak * Math.max(0.0, 1.0 - (double) steps / totalSteps);
        adam.setLearningRate(lastLr);
        double norm = Double.NaN;
        try (Arena a = Arena.open()) {
            if (maxGradNorm != null) {
                norm = GradClip.clipGradNorm(adam.parameters(), maxGradNorm);
            }
            adam.step();
            adam.zeroGrad();
        }
        steps++;
        if (reference != null) {
            reference.onStep(policy, steps);
        }
        return norm;
    }

    /** The learning rate of the last step. */
    double learningRate() {
        return lastLr;
    }

    long steps() {
        return steps;
    }

    void release() {
        adam.release();
    }
}
