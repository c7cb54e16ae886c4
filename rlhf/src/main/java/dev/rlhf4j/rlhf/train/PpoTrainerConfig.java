package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.rlhf4j.rlhf.advantage.GeneralizedAdvantageEstimation;
import dev.rlhf4j.rlhf.advantage.Whitening;
import dev.rlhf4j.rlhf.kl.AdaptiveKlController;
import dev.rlhf4j.rlhf.kl.FixedKlController;
import dev.rlhf4j.rlhf.kl.KlController;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import dev.rlhf4j.rlhf.ppo.ClippedSurrogateLoss;
import dev.rlhf4j.rlhf.ppo.ClippedValueLoss;
import dev.rlhf4j.rlhf.reward.RewardShaping;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;

/**
 * The hyper-parameters of {@link PpoTrainer}, under the names of TRL's {@code PPOConfig} (and the
 * {@code TrainingArguments} it extends), in camelCase, grouped as the algorithm uses them, with the objects each group
 * configures:
 * <pre>
 *   L   = L_clip(cliprange) + vfCoef * L_V(cliprangeValue)                         {@link Loss}
 *   r_t = -beta KL_t(klEstimator) + score [t = last],  beta fixed or adaptive       {@link Kl}, {@link #rewardShaping}
 *   A   = whiten(GAE(gamma, lam))                                                   {@link Loss}
 * </pre>
 * One iteration samples {@code batchSize = perDeviceTrainBatchSize * gradientAccumulationSteps * numMiniBatches} prompts
 * ({@link Rollout}), and trains {@code numPpoEpochs} times over {@code numMiniBatches} minibatches of them, one optimizer
 * step per minibatch ({@link Batches}). {@link #trlDefaults()} has TRL's defaults; {@link #toBuilder()} changes a few.
 *
 * @param optimization learning rate 3e-6, decayed linearly to 0 over the iterations (TRL's default schedule); no
 *                     clipping: TRL's {@code TrainingArguments} carry 1.0, but its PPO loop steps the optimizer without
 *                     clipping. AdamW's betas and epsilon are torch's ({@link Adam#TORCH}).
 * @param batches      what one iteration samples and trains on, and how many iterations
 * @param rollout      how completions are sampled and scored
 * @param loss         the clipped policy and value losses and the advantages
 * @param kl           the KL penalty of the reward
 */
public record PpoTrainerConfig(@JsonUnwrapped Optimization optimization, @JsonUnwrapped Batches batches,
                               @JsonUnwrapped Rollout rollout, @JsonUnwrapped Loss loss, @JsonUnwrapped Kl kl) {

    /**
     * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: rows of one forward/backward (micro-batch)
     * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: micro-batches per minibatch
     * @param numMiniBatches            {@code num_mini_batches}
     * @param numPpoEpochs              {@code num_ppo_epochs}
     * @param totalEpisodes             {@code total_episodes}; unset: {@code numTrainEpochs} passes over the prompts
     * @param numTrainEpochs            {@code num_train_epochs}, used when {@code totalEpisodes} is unset
     * @param maxSteps                  {@code max_steps}: at most this many iterations; -1 for no limit
     * @param seed                      {@code seed}: prompt order, sampling, minibatch shuffles and head initialisation
     */
    public record Batches(int perDeviceTrainBatchSize, int gradientAccumulationSteps, int numMiniBatches, int numPpoEpochs,
                          Long totalEpisodes, double numTrainEpochs, long maxSteps, long seed) {
        public Batches {
            require(perDeviceTrainBatchSize >= 1, "PpoTrainerConfig", "per_device_train_batch_size must be >= 1, got " + perDeviceTrainBatchSize);
            require(gradientAccumulationSteps >= 1, "PpoTrainerConfig", "gradient_accumulation_steps must be >= 1, got " + gradientAccumulationSteps);
            require(numMiniBatches >= 1, "PpoTrainerConfig", "num_mini_batches must be >= 1, got " + numMiniBatches);
            require(numPpoEpochs >= 1, "PpoTrainerConfig", "num_ppo_epochs must be >= 1, got " + numPpoEpochs);
            require(totalEpisodes == null || totalEpisodes >= 1, "PpoTrainerConfig", "total_episodes must be >= 1 or unset, got " + totalEpisodes);
            require(numTrainEpochs > 0, "PpoTrainerConfig", "num_train_epochs must be > 0, got " + numTrainEpochs);
            require(maxSteps == -1 || maxSteps >= 1, "PpoTrainerConfig", "max_steps must be -1 (no limit) or >= 1, got " + maxSteps);
        }

        /** Prompts per iteration. */
        public int batchSize() {
            return perDeviceTrainBatchSize * gradientAccumulationSteps * numMiniBatches;
        }

        /** Rows per minibatch (one optimizer step). */
        public int miniBatchSize() {
            return perDeviceTrainBatchSize * gradientAccumulationSteps;
        }

        /** The number of iterations for {@code prompts} prompts: TRL's {@code num_total_batches}, capped by maxSteps. */
        public long iterations(int prompts) {
            long episodes = totalEpisodes != null ? totalEpisodes : (long) Math.ceil(numTrainEpochs * prompts);
            long n = (episodes + batchSize() - 1) / batchSize();
            return maxSteps == -1 ? n : Math.min(n, maxSteps);
        }
    }

    /**
     * @param responseLength               {@code response_length}: new tokens per completion at most
     * @param temperature                  {@code temperature} of sampling, and of every log-prob PPO computes
     * @param stopTokenId                  {@code stop_token_id}: completions end after it; unset: run to responseLength
     * @param missingEosPenalty            {@code missing_eos_penalty}: subtracted from the score of a completion
     *                                     without EOS; unset: none
     * @param localRolloutForwardBatchSize {@code local_rollout_forward_batch_size}: rows per rollout shard (generated,
     *                                     scored and referenced together; the unit a cluster distributes, fixed so
     *                                     results do not depend on it)
     */
    public record Rollout(int responseLength, double temperature, Integer stopTokenId, Double missingEosPenalty,
                          int localRolloutForwardBatchSize) {
        public Rollout {
            require(responseLength >= 1, "PpoTrainerConfig", "response_length must be >= 1, got " + responseLength);
            require(temperature > 0 && Double.isFinite(temperature), "PpoTrainerConfig", "temperature must be positive and finite, got " + temperature);
            require(stopTokenId == null || stopTokenId >= 0, "PpoTrainerConfig", "stop_token_id must be a token id or unset, got " + stopTokenId);
            require(missingEosPenalty == null || missingEosPenalty >= 0, "PpoTrainerConfig", "missing_eos_penalty must be >= 0 or unset, got " + missingEosPenalty);
            require(localRolloutForwardBatchSize >= 1, "PpoTrainerConfig", "local_rollout_forward_batch_size must be >= 1, got " + localRolloutForwardBatchSize);
        }
    }

    /**
     * @param cliprange      {@code cliprange} of the policy ratio
     * @param cliprangeValue {@code cliprange_value} of the value
     * @param vfCoef         {@code vf_coef}: weight of the value loss
     * @param gamma          {@code gamma}: GAE discount
     * @param lam            {@code lam}: GAE lambda
     * @param whitenRewards  {@code whiten_rewards}: scale (not shift) the rewards before GAE
     */
    public record Loss(double cliprange, double cliprangeValue, double vfCoef, double gamma, double lam, boolean whitenRewards) {
        public Loss {
            require(cliprange > 0 && cliprange < 1, "PpoTrainerConfig", "cliprange must be in (0, 1), got " + cliprange);
            require(cliprangeValue > 0, "PpoTrainerConfig", "cliprange_value must be > 0, got " + cliprangeValue);
            require(vfCoef >= 0, "PpoTrainerConfig", "vf_coef must be >= 0, got " + vfCoef);
            require(gamma >= 0 && gamma <= 1 && lam >= 0 && lam <= 1, "PpoTrainerConfig", "gamma and lam must lie in [0, 1], got "
                    + gamma + ", " + lam);
        }

        public ClippedSurrogateLoss policyLoss() {
            return new ClippedSurrogateLoss(cliprange);
        }

        public ClippedValueLoss valueLoss() {
            return new ClippedValueLoss(cliprangeValue);
        }

        public GeneralizedAdvantageEstimation gae() {
            return new GeneralizedAdvantageEstimation(gamma, lam);
        }

        public Whitening advantageWhitening() {
            return Whitening.trl();
        }
    }

    /**
     * @param klCoef            {@code kl_coef}: beta of the KL penalty (the start value when adaptive)
     * @param klEstimator       {@code kl_estimator}: k1 (TRL's default) or another of {@link KlEstimator}
     * @param adaptiveKlTarget  target of the adaptive KL controller (legacy TRL's {@code target}); unset: fixed beta
     * @param adaptiveKlHorizon its {@code horizon} in episodes
     * @param targetKl          stop the PPO epochs early once a minibatch's approx KL exceeds 1.5 x this (legacy TRL's
     *                          {@code target_kl} with {@code early_stopping}); unset: never
     */
    public record Kl(double klCoef, KlEstimator klEstimator, Double adaptiveKlTarget, double adaptiveKlHorizon, Double targetKl) {
        public Kl {
            require(klCoef >= 0 && Double.isFinite(klCoef), "PpoTrainerConfig", "kl_coef must be finite and >= 0, got " + klCoef);
            require(klEstimator != null, "PpoTrainerConfig", "kl_estimator must be set (k1, k2 or k3)");
            require(adaptiveKlTarget == null || adaptiveKlTarget > 0, "PpoTrainerConfig", "the adaptive KL target must be > 0 or unset, got "
                    + adaptiveKlTarget);
            require(adaptiveKlHorizon > 0, "PpoTrainerConfig", "the adaptive KL horizon must be > 0, got " + adaptiveKlHorizon);
            require(targetKl == null || targetKl > 0, "PpoTrainerConfig", "target_kl must be > 0 or unset, got " + targetKl);
        }

        /** A fixed controller at {@code klCoef}, or the adaptive one starting there when {@code adaptiveKlTarget} is set. */
        public KlController controller() {
            return controller(klCoef);
        }

        /** The controller of {@link #controller()}, at {@code beta} (a resumed run's). */
        public KlController controller(double beta) {
            return adaptiveKlTarget == null
                    ? new FixedKlController(beta)
                    : new AdaptiveKlController(beta, adaptiveKlTarget, adaptiveKlHorizon);
        }
    }

    /** TRL's defaults: lr 3e-6, batch 8 x 1 x 1, 4 PPO epochs, 53 new tokens at temperature 0.7, kl_coef 0.05 (k1), seed 42. */
    public static PpoTrainerConfig trlDefaults() {
        return new PpoTrainerConfig(new Optimization(3e-6, 0.0, null, NonFiniteGuard.DEFAULT_MAX_CONSECUTIVE),
                new Batches(8, 1, 1, 4, null, 3.0, -1, 42), new Rollout(53, 0.7, null, null, RolloutSpec.TRL_SHARD_SIZE),
                new Loss(0.2, 0.2, 0.1, 1.0, 0.95, false), new Kl(0.05, KlEstimator.K1, null, 10_000, null));
    }

    /** The per-token rewards: the KL penalty of {@link Kl#klEstimator} and the missing-EOS penalty on the score. */
    public RewardShaping rewardShaping() {
        double eosPenalty = rollout.missingEosPenalty() == null ? 0.0 : rollout.missingEosPenalty();
        return new RewardShaping(kl.klEstimator(), Double.POSITIVE_INFINITY, eosPenalty, false, Double.POSITIVE_INFINITY);
    }

    /** A builder starting from this config, to change a few hyper-parameters. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The setters of PPO's hyper-parameters (those of {@link Optimization} are inherited). */
    public static final class Builder extends ConfigBuilder<PpoTrainerConfig, Builder> {
        private Builder(PpoTrainerConfig from) {
            super(from);
        }

        public Builder perDeviceTrainBatchSize(int v) { return set("perDeviceTrainBatchSize", v); }
        public Builder gradientAccumulationSteps(int v) { return set("gradientAccumulationSteps", v); }
        public Builder numMiniBatches(int v) { return set("numMiniBatches", v); }
        public Builder numPpoEpochs(int v) { return set("numPpoEpochs", v); }
        public Builder totalEpisodes(Long v) { return set("totalEpisodes", v); }
        public Builder numTrainEpochs(double v) { return set("numTrainEpochs", v); }
        public Builder maxSteps(long v) { return set("maxSteps", v); }
        public Builder seed(long v) { return set("seed", v); }
        public Builder responseLength(int v) { return set("responseLength", v); }
        public Builder temperature(double v) { return set("temperature", v); }
        public Builder stopTokenId(Integer v) { return set("stopTokenId", v); }
        public Builder missingEosPenalty(Double v) { return set("missingEosPenalty", v); }
        public Builder localRolloutForwardBatchSize(int v) { return set("localRolloutForwardBatchSize", v); }
        public Builder cliprange(double v) { return set("cliprange", v); }
        public Builder cliprangeValue(double v) { return set("cliprangeValue", v); }
        public Builder vfCoef(double v) { return set("vfCoef", v); }
        public Builder gamma(double v) { return set("gamma", v); }
        public Builder lam(double v) { return set("lam", v); }
        public Builder whitenRewards(boolean v) { return set("whitenRewards", v); }
        public Builder klCoef(double v) { return set("klCoef", v); }
        public Builder klEstimator(KlEstimator v) { return set("klEstimator", v); }
        public Builder adaptiveKlTarget(Double v) { return set("adaptiveKlTarget", v); }
        public Builder adaptiveKlHorizon(double v) { return set("adaptiveKlHorizon", v); }
        public Builder targetKl(Double v) { return set("targetKl", v); }
    }
}
