package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.rlhf4j.nn.optim.SchedulerType;
import dev.rlhf4j.rlhf.dpo.HingeDpoLoss;
import dev.rlhf4j.rlhf.dpo.IpoLoss;
import dev.rlhf4j.rlhf.dpo.PreferenceLoss;
import dev.rlhf4j.rlhf.dpo.RobustDpoLoss;
import dev.rlhf4j.rlhf.dpo.SigmoidDpoLoss;
import dev.rlhf4j.rlhf.dpo.SimPoLoss;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * The hyper-parameters of {@link DpoTrainer}, named as TRL's {@code DPOConfig} (and the {@code TrainingArguments} it
 * extends) in camelCase: the optimizer and batching every dataset trainer has, the preference {@link Objective}, and
 * DPO's own. {@link #trlDefaults()} has TRL's defaults; {@link #toBuilder()} changes a few of them. AdamW's betas and
 * epsilon are torch's ({@link Adam#TORCH}); dropout is off in the policy during training (TRL's
 * {@code disable_dropout}).
 *
 * @param optimization          learning rate 1e-6, no weight decay, clip 1.0
 * @param batching              8 pairs per forward (2x rows), 3 epochs, seed 42 (the data order)
 * @param objective             which loss, with beta and the loss's own hyper-parameters
 * @param maxLength             {@code max_length}: prompt + completion tokens kept (completion cut on the right)
 * @param maxPromptLength       {@code max_prompt_length}: prompt tokens kept (cut on the left)
 * @param lrSchedulerType       {@code lr_scheduler_type}: linear (decay to 0, after the warm-up) or constant (the peak
 *                              from the first step; the warm-up applies to linear only)
 * @param warmupSteps           {@code warmup_steps}: linear warm-up from 0 (of the linear schedule)
 * @param referenceFree         {@code reference_free}: log ref = 0 (no reference model)
 * @param precomputeRefLogProbs {@code precompute_ref_log_probs}: the reference is a {@code PrecomputedReference}
 */
public record DpoConfig(@JsonUnwrapped Optimization optimization, @JsonUnwrapped Batching batching,
                        @JsonUnwrapped Objective objective, int maxLength, int maxPromptLength,
                        @JsonSerialize(using = ToStringSerializer.class) SchedulerType lrSchedulerType, long warmupSteps,
                        boolean referenceFree, boolean precomputeRefLogProbs) implements Serializable {
    private static final long serialVersionUID = 2L;

    /** TRL's {@code loss_type} names, one per loss class of {@code rlhf.dpo}. */
    public enum LossType {
        SIGMOID, ROBUST, HINGE, IPO, SIMPO;

        /** The loss type TRL calls {@code name}; the error lists the names there are. */
        public static LossType of(String name) {
            for (LossType t : values()) {
                if (t.trlName().equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("DPO loss_type '" + name + "' is not one of "
                    + Arrays.stream(values()).map(LossType::trlName).toList());
        }

        public String trlName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The preference loss.
     *
     * @param beta           {@code beta}: inverse temperature of the implicit reward
     * @param lossType       {@code loss_type}: which loss of {@code rlhf.dpo}
     * @param labelSmoothing {@code label_smoothing}: label flip rate of cDPO (sigmoid), robust and SimPO
     * @param simpoGamma     {@code simpo_gamma} (TRL's {@code CPOConfig}): SimPO's target reward margin
     */
    public record Objective(double beta, LossType lossType, double labelSmoothing, double simpoGamma) implements Serializable {
        public Objective {
            require(beta > 0 && Double.isFinite(beta), "DpoConfig", "beta must be > 0, got " + beta);
            require(lossType != null, "DpoConfig", "loss_type must be given");
            require(labelSmoothing >= 0 && labelSmoothing < 0.5, "DpoConfig", "label_smoothing must lie in [0, 0.5), got "
                    + labelSmoothing);
            require(simpoGamma >= 0, "DpoConfig", "simpo_gamma must be >= 0, got " + simpoGamma);
            lossOf(beta, lossType, labelSmoothing, simpoGamma);
        }

        /** The loss class {@link #lossType} names, with beta, the label smoothing and SimPO's gamma where it reads them. */
        public PreferenceLoss loss() {
            return lossOf(beta, lossType, labelSmoothing, simpoGamma);
        }

        private static PreferenceLoss lossOf(double beta, LossType lossType, double labelSmoothing, double simpoGamma) {
            return switch (lossType) {
                case SIGMOID -> new SigmoidDpoLoss(beta, labelSmoothing);
                case ROBUST -> new RobustDpoLoss(beta, labelSmoothing);
                case HINGE -> unsmoothed(new HingeDpoLoss(beta), lossType, labelSmoothing);
                case IPO -> unsmoothed(new IpoLoss(beta), lossType, labelSmoothing);
                case SIMPO -> new SimPoLoss(beta, simpoGamma, labelSmoothing);
            };
        }

        private static PreferenceLoss unsmoothed(PreferenceLoss loss, LossType lossType, double labelSmoothing) {
            require(labelSmoothing == 0, "DpoConfig", "label_smoothing is not used by loss_type '" + lossType.trlName()
                    + "' (only sigmoid, robust and simpo), got " + labelSmoothing);
            return loss;
        }
    }

    public DpoConfig {
        require(maxPromptLength >= 1, "DpoConfig", "max_prompt_length must be >= 1, got " + maxPromptLength);
        require(maxLength > maxPromptLength, "DpoConfig", "max_length must exceed max_prompt_length (" + maxPromptLength
                + ") so that a completion token fits, got " + maxLength);
        require(lrSchedulerType != null, "DpoConfig", "lr_scheduler_type must be linear or constant");
        require(warmupSteps >= 0, "DpoConfig", "warmup_steps must be >= 0, got " + warmupSteps);
        require(!precomputeRefLogProbs || !referenceFree && objective.loss().needsReference(), "DpoConfig",
                "precompute_ref_log_probs needs a loss that reads a reference (not reference_free, not simpo)");
    }

    /** TRL's {@code DPOConfig()} as it comes: sigmoid loss, beta 0.1, lr 1e-6, 3 epochs of batches of 8, lengths 1024 / 512. */
    public static DpoConfig trlDefaults() {
        return new DpoConfig(Optimization.trl(1e-6), Batching.trl(), new Objective(0.1, LossType.SIGMOID, 0.0, 0.5), 1024, 512,
                SchedulerType.LINEAR, 0, false, false);
    }

    /** The loss class the objective names. */
    public PreferenceLoss loss() {
        return objective.loss();
    }

    /** True when the loss is computed without reference log-probs ({@code reference_free}, or SimPO). */
    public boolean withoutReference() {
        return referenceFree || !loss().needsReference();
    }

    /** A builder starting from this config, to change a few hyper-parameters. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The setters of DPO's own hyper-parameters; the shared ones are inherited. */
    public static final class Builder extends DatasetConfigBuilder<DpoConfig, Builder> {
        private Builder(DpoConfig from) {
            super(from);
        }

        public Builder beta(double v) { return set("beta", v); }
        public Builder lossType(LossType v) { return set("lossType", v); }
        public Builder labelSmoothing(double v) { return set("labelSmoothing", v); }
        public Builder simpoGamma(double v) { return set("simpoGamma", v); }
        public Builder maxLength(int v) { return set("maxLength", v); }
        public Builder maxPromptLength(int v) { return set("maxPromptLength", v); }
        public Builder lrSchedulerType(SchedulerType v) { return set("lrSchedulerType", v); }
        public Builder warmupSteps(long v) { return set("warmupSteps", v); }
        public Builder referenceFree(boolean v) { return set("referenceFree", v); }
        public Builder precomputeRefLogProbs(boolean v) { return set("precomputeRefLogProbs", v); }
    }
}
