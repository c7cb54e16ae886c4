package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.rlhf.dpo.HingeDpoLoss;
import dev.rlhf4j.rlhf.dpo.IpoLoss;
import dev.rlhf4j.rlhf.dpo.PreferenceLoss;
import dev.rlhf4j.rlhf.dpo.RobustDpoLoss;
import dev.rlhf4j.rlhf.dpo.SigmoidDpoLoss;
import dev.rlhf4j.rlhf.dpo.SimPoLoss;
import java.io.Serializable;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The hyper-parameters of {@link DpoTrainer}, named as TRL's {@code DPOConfig} (and the {@code TrainingArguments} it
 * extends) in camelCase, with TRL's defaults in {@link #trlDefaults()}. AdamW's betas and epsilon are TRL's fixed
 * defaults (0.9, 0.999, 1e-8); dropout is off in the policy during training (TRL's {@code disable_dropout}).
 *
 * @param learningRate              {@code learning_rate}: peak AdamW learning rate
 * @param beta                      {@code beta}: inverse temperature of the implicit reward
 * @param lossType                  {@code loss_type}: which loss of {@code rlhf.dpo}
 * @param labelSmoothing            {@code label_smoothing}: label flip rate of cDPO (sigmoid), robust and SimPO
 * @param simpoGamma                {@code simpo_gamma} (TRL's {@code CPOConfig}): SimPO's target reward margin
 * @param maxLength                 {@code max_length}: prompt + completion tokens kept (completion cut on the right)
 * @param maxPromptLength           {@code max_prompt_length}: prompt tokens kept (cut on the left)
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: pairs per forward (2x rows)
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: micro-batches per optimizer step
 * @param numTrainEpochs            {@code num_train_epochs}: passes over the data (ignored when maxSteps > 0)
 * @param maxSteps                  {@code max_steps}: optimizer steps; -1 to train numTrainEpochs
 * @param maxGradNorm               {@code max_grad_norm}: global gradient-norm clip; 0 for none
 * @param weightDecay               {@code weight_decay} of AdamW
 * @param lrSchedulerType           {@code lr_scheduler_type}: "linear" (decay to 0) or "constant"
 * @param warmupSteps               {@code warmup_steps}: linear warm-up from 0 (of the "linear" schedule)
 * @param seed                      {@code seed}: the data order
 * @param referenceFree             {@code reference_free}: log ref = 0 (no reference model)
 * @param precomputeRefLogProbs     {@code precompute_ref_log_probs}: the reference is a {@code PrecomputedReference}
 * @param maxConsecutiveNonfinite   optimizer steps in a row with a non-finite loss or gradient that stop the run
 *                                  (5; not a TRL field); each such step is skipped ({@link NonFiniteGuard})
 */
public record DpoConfig(double learningRate, double beta, LossType lossType, double labelSmoothing, double simpoGamma,
                        int maxLength, int maxPromptLength, int perDeviceTrainBatchSize, int gradientAccumulationSteps,
                        double numTrainEpochs, long maxSteps, double maxGradNorm, double weightDecay, String lrSchedulerType,
                        long warmupSteps, long seed, boolean referenceFree, boolean precomputeRefLogProbs,
                        int maxConsecutiveNonfinite) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * TRL's {@code loss_type} names and the loss class each one means: the one place that maps a name to a loss.
     * {@code lengthNormalised}: the loss reads mean per-token log-probs, as TRL feeds IPO and SimPO;
     * {@code needsReference}: false for SimPO, whose reward is the policy's own log-prob.
     */
    public enum LossType {
        SIGMOID("sigmoid", false, true, true, c -> new SigmoidDpoLoss(c.beta(), c.labelSmoothing())),
        ROBUST("robust", false, true, true, c -> new RobustDpoLoss(c.beta(), c.labelSmoothing())),
        HINGE("hinge", false, true, false, c -> new HingeDpoLoss(c.beta())),
        IPO("ipo", true, true, false, c -> new IpoLoss(c.beta())),
        SIMPO("simpo", true, false, true, c -> new SimPoLoss(c.beta(), c.simpoGamma(), c.labelSmoothing()));

        private final String trlName;
        private final boolean lengthNormalised;
        private final boolean needsReference;
        private final boolean smoothable;
        private final Function<DpoConfig, PreferenceLoss> make;

        LossType(String trlName, boolean lengthNormalised, boolean needsReference, boolean smoothable,
                 Function<DpoConfig, PreferenceLoss> make) {
            this.trlName = trlName;
            this.lengthNormalised = lengthNormalised;
            this.needsReference = needsReference;
            this.smoothable = smoothable;
            this.make = make;
        }

        /** The loss type TRL calls {@code name}; the error lists the names there are. */
        public static LossType of(String name) {
            for (LossType t : values()) {
                if (t.trlName.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("DPO loss_type '" + name + "' is not one of "
                    + Arrays.stream(values()).map(LossType::trlName).toList());
        }

        public String trlName() {
            return trlName;
        }

        public boolean lengthNormalised() {
            return lengthNormalised;
        }

        public boolean needsReference() {
            return needsReference;
        }
    }

    public DpoConfig {
        require(learningRate >= 0 && Double.isFinite(learningRate), "learning_rate must be >= 0 and finite", learningRate);
        require(beta > 0 && Double.isFinite(beta), "beta must be > 0", beta);
        require(lossType != null, "loss_type must be given", lossType);
        require(labelSmoothing >= 0 && labelSmoothing < 0.5, "label_smoothing must lie in [0, 0.5)", labelSmoothing);
        require(labelSmoothing == 0 || lossType.smoothable, "label_smoothing is not used by loss_type '"
                + lossType.trlName + "' (only sigmoid, robust and simpo)", labelSmoothing);
        require(simpoGamma >= 0, "simpo_gamma must be >= 0", simpoGamma);
        require(maxPromptLength >= 1, "max_prompt_length must be >= 1", maxPromptLength);
        require(maxLength > maxPromptLength, "max_length must exceed max_prompt_length (" + maxPromptLength
                + ") so that a completion token fits", maxLength);
        require(perDeviceTrainBatchSize >= 1, "per_device_train_batch_size must be >= 1", perDeviceTrainBatchSize);
        require(gradientAccumulationSteps >= 1, "gradient_accumulation_steps must be >= 1", gradientAccumulationSteps);
        require(maxSteps > 0 || maxSteps == -1, "max_steps must be > 0, or -1 to train num_train_epochs", maxSteps);
        require(maxSteps > 0 || numTrainEpochs > 0 && Double.isFinite(numTrainEpochs),
                "num_train_epochs must be > 0 when max_steps is -1", numTrainEpochs);
        require(maxGradNorm >= 0, "max_grad_norm must be >= 0 (0: no clipping)", maxGradNorm);
        require(weightDecay >= 0, "weight_decay must be >= 0", weightDecay);
        require("linear".equals(lrSchedulerType) || "constant".equals(lrSchedulerType),
                "lr_scheduler_type must be \"linear\" or \"constant\"", lrSchedulerType);
        require(maxConsecutiveNonfinite >= 1, "max_consecutive_nonfinite must be at least 1", maxConsecutiveNonfinite);
        require(warmupSteps >= 0, "warmup_steps must be >= 0", warmupSteps);
        require(!precomputeRefLogProbs || !referenceFree && lossType.needsReference,
                "precompute_ref_log_probs needs a loss that reads a reference (not reference_free, not simpo)", precomputeRefLogProbs);
    }

    /** TRL's {@code DPOConfig()} as it comes: sigmoid loss, beta 0.1, lr 1e-6, 3 epochs of batches of 8, lengths 1024 / 512. */
    public static DpoConfig trlDefaults() {
        return new DpoConfig(1e-6, 0.1, LossType.SIGMOID, 0.0, 0.5, 1024, 512, 8, 1, 3.0, -1, 1.0, 0.0, "linear", 0, 42,
                false, false, NonFiniteGuard.DEFAULT_MAX_CONSECUTIVE);
    }

    /** The loss class {@link #lossType} names, with this config's beta, label smoothing and gamma. */
    public PreferenceLoss loss() {
        return lossType.make.apply(this);
    }

    /** True when the loss is computed without reference log-probs ({@code reference_free}, or SimPO). */
    public boolean withoutReference() {
        return referenceFree || !lossType.needsReference;
    }

    /** A builder starting from this config, to change a few fields. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void require(boolean ok, String what, Object got) {
        if (!ok) {
            throw new IllegalArgumentException("DpoConfig: " + what + ", got " + got);
        }
    }

    /** Changes some fields of a config; {@link #build} validates the result. */
    public static final class Builder {
        private double learningRate;
        private double beta;
        private LossType lossType;
        private double labelSmoothing;
        private double simpoGamma;
        private int maxLength;
        private int maxPromptLength;
        private int perDeviceTrainBatchSize;
        private int gradientAccumulationSteps;
        private double numTrainEpochs;
        private long maxSteps;
        private double maxGradNorm;
        private double weightDecay;
        private String lrSchedulerType;
        private long warmupSteps;
        private long seed;
        private boolean referenceFree;
        private boolean precomputeRefLogProbs;
        private int maxConsecutiveNonfinite;

        private Builder(DpoConfig c) {
            learningRate = c.learningRate;
            beta = c.beta;
            lossType = c.lossType;
            labelSmoothing = c.labelSmoothing;
            simpoGamma = c.simpoGamma;
            maxLength = c.maxLength;
            maxPromptLength = c.maxPromptLength;
            perDeviceTrainBatchSize = c.perDeviceTrainBatchSize;
            gradientAccumulationSteps = c.gradientAccumulationSteps;
            numTrainEpochs = c.numTrainEpochs;
            maxSteps = c.maxSteps;
            maxGradNorm = c.maxGradNorm;
            weightDecay = c.weightDecay;
            lrSchedulerType = c.lrSchedulerType;
            warmupSteps = c.warmupSteps;
            seed = c.seed;
            referenceFree = c.referenceFree;
            precomputeRefLogProbs = c.precomputeRefLogProbs;
            maxConsecutiveNonfinite = c.maxConsecutiveNonfinite;
        }

        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder beta(double v) { beta = v; return this; }
        public Builder lossType(LossType v) { lossType = v; return this; }
        public Builder labelSmoothing(double v) { labelSmoothing = v; return this; }
        public Builder simpoGamma(double v) { simpoGamma = v; return this; }
        public Builder maxLength(int v) { maxLength = v; return this; }
        public Builder maxPromptLength(int v) { maxPromptLength = v; return this; }
        public Builder perDeviceTrainBatchSize(int v) { perDeviceTrainBatchSize = v; return this; }
        public Builder gradientAccumulationSteps(int v) { gradientAccumulationSteps = v; return this; }
        public Builder numTrainEpochs(double v) { numTrainEpochs = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder lrSchedulerType(String v) { lrSchedulerType = v; return this; }
        public Builder warmupSteps(long v) { warmupSteps = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder referenceFree(boolean v) { referenceFree = v; return this; }
        public Builder precomputeRefLogProbs(boolean v) { precomputeRefLogProbs = v; return this; }
        public Builder maxConsecutiveNonfinite(int v) { maxConsecutiveNonfinite = v; return this; }

        public DpoConfig build() {
            return new DpoConfig(learningRate, beta, lossType, labelSmoothing, simpoGamma, maxLength, maxPromptLength,
                    perDeviceTrainBatchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, maxGradNorm, weightDecay,
                    lrSchedulerType, warmupSteps, seed, referenceFree, precomputeRefLogProbs, maxConsecutiveNonfinite);
        }
    }
}
