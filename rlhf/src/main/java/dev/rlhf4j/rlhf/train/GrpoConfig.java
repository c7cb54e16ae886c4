package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages.ScaleRewards;
import dev.rlhf4j.rlhf.grpo.LossType;
import java.io.Serializable;

/**
 * The hyper-parameters of {@link GrpoTrainer} under the names of TRL's {@code GRPOConfig} (and the
 * {@code TrainingArguments} it extends), in camelCase: what every group trainer has (optimizer, batching, sampling,
 * clip range), then GRPO's own. {@link #trlDefaults()} has TRL's defaults; {@link #toBuilder()} changes a few of them.
 * TRL's {@code reward_weights} go with the reward functions to the trainer's constructor.
 *
 * @param optimization             learning rate 1e-6, decayed linearly to 0 over the optimizer steps; clip 1.0
 * @param batching                 8 completions per step, G = 8, one iteration, 3 epochs, seed 42
 * @param sampling                 256 new tokens at temperature 1
 * @param clip                     0.2 on both sides
 * @param beta                     {@code beta}: weight of the per-token k3 KL; 0 loads and calls no reference
 * @param scaleRewards             {@code scale_rewards}: group, batch or none
 * @param lossType                 {@code loss_type}: grpo, bnpo, dr_grpo or dapo
 * @param maskTruncatedCompletions {@code mask_truncated_completions}: completions without EOS count for nothing
 * @param referenceSync            TR-DPO's moving reference, off
 */
public record GrpoConfig(@JsonUnwrapped Optimization optimization, @JsonUnwrapped GroupBatching batching,
                         @JsonUnwrapped Sampling sampling, @JsonUnwrapped ClipRange clip, double beta,
                         ScaleRewards scaleRewards, LossType lossType, boolean maskTruncatedCompletions,
                         @JsonUnwrapped ReferenceSync referenceSync) implements GroupConfig {

    /**
     * TR-DPO's moving reference ({@code sync_ref_model}): every {@code refModelSyncSteps} optimizer steps the reference
     * becomes {@code alpha * policy + (1 - alpha) * reference}.
     *
     * @param syncRefModel       {@code sync_ref_model}: the reference follows the policy
     * @param refModelMixupAlpha {@code ref_model_mixup_alpha}
     * @param refModelSyncSteps  {@code ref_model_sync_steps}
     */
    public record ReferenceSync(boolean syncRefModel, double refModelMixupAlpha, int refModelSyncSteps) implements Serializable {
        public ReferenceSync {
            require(refModelMixupAlpha >= 0 && refModelMixupAlpha <= 1, "GrpoConfig", "ref_model_mixup_alpha must lie in [0, 1], got "
                    + refModelMixupAlpha);
            require(refModelSyncSteps >= 1, "GrpoConfig", "ref_model_sync_steps must be >= 1, got " + refModelSyncSteps);
        }
    }

    public GrpoConfig {
        require(beta >= 0 && Double.isFinite(beta), "GrpoConfig", "beta must be finite and >= 0, got " + beta);
        require(scaleRewards != null && lossType != null, "GrpoConfig", "scale_rewards and loss_type must be set");
    }

    /** TRL's defaults: lr 1e-6, 8 completions per step, G = 8, 256 new tokens at temperature 1, beta 0, dapo, seed 42. */
    public static GrpoConfig trlDefaults() {
        return new GrpoConfig(Optimization.trl(1e-6), GroupBatching.trl(8), Sampling.trl(), ClipRange.trl(), 0.0,
                ScaleRewards.GROUP, LossType.DAPO, false, new ReferenceSync(false, 0.6, 512));
    }

    public GroupRelativeAdvantages advantages() {
        return new GroupRelativeAdvantages(batching.numGenerations(), scaleRewards);
    }

    /** A builder starting from this config, to change a few hyper-parameters. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The setters of GRPO's own hyper-parameters; the shared ones are inherited. */
    public static final class Builder extends GroupConfigBuilder<GrpoConfig, Builder> {
        private Builder(GrpoConfig from) {
            super(from);
        }

        public Builder beta(double v) { return set("beta", v); }
        public Builder scaleRewards(ScaleRewards v) { return set("scaleRewards", v); }
        public Builder lossType(LossType v) { return set("lossType", v); }
        public Builder maskTruncatedCompletions(boolean v) { return set("maskTruncatedCompletions", v); }
        public Builder syncRefModel(boolean v) { return set("syncRefModel", v); }
        public Builder refModelMixupAlpha(double v) { return set("refModelMixupAlpha", v); }
        public Builder refModelSyncSteps(int v) { return set("refModelSyncSteps", v); }
    }
}
