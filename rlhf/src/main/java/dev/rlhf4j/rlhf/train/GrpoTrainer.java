package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.grpo.ClipHigherObjective;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages;
import dev.rlhf4j.rlhf.grpo.LossAggregation;
import dev.rlhf4j.rlhf.logprob.TokenEntropy;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import java.util.List;

/**
 * Group Relative Policy Optimization (Shao et al. 2024, DeepSeekMath; TRL's {@code GRPOTrainer}): PPO without a critic.
 * The baseline of a completion is the mean reward of the other completions of its prompt. For G completions o_1..o_G
 * of prompt q,
 * <pre>
 *   A_i    = (r_i - mean(r)) / (std(r) + 1e-4)                                     ({@link GroupRelativeAdvantages})
 *   rho_it = pi(o_it | q, o_i,&lt;t) / pi_old(o_it | q, o_i,&lt;t)
 *   l_it   = -min(rho_it A_i, clip(rho_it, 1 - epsilon, 1 + epsilon_high) A_i) + beta k3(pi, pi_ref)_it
 *   J      = aggregate(l)        grpo: 1/G sum_i 1/|o_i| sum_t l_it; bnpo, dr_grpo, dapo ({@link LossAggregation})
 * </pre>
 * The sampling, the optimizer steps, the checkpoints and the metrics are {@link GroupTrainer}'s; this class is the
 * advantage (step 5) and the objective (step 6). {@code kl} is the mean k3 over the scored tokens.
 *
 * <p>Legend: B completions, T prompt + completion + padding, V vocabulary.
 */
public final class GrpoTrainer extends GroupTrainer {
    private final GrpoConfig config;
    private final GroupRelativeAdvantages advantages;
    private final ClipHigherObjective objective;
    private final LossAggregation aggregation;

    /**
     * @param policy        the policy, put in eval mode (rollout and training passes must agree)
     * @param lora          LoRA adapters attached to {@code policy} (only they train), or null to train every parameter
     * @param reference     the frozen reference; may be null when beta is 0, and is then never called
     * @param rewards       the reward functions (a {@code RewardModel}, rule rewards), each logged under its name
     * @param rewardWeights TRL's {@code reward_weights}, one per reward
     * @param prompts       tokenized prompts
     */
    public GrpoTrainer(CausalLM policy, LoraModel lora, ReferenceModel reference, List<NamedReward> rewards, double[] rewardWeights,
                       List<int[]> prompts, GrpoConfig config, MetricsSink sink) {
        super("grpo", policy, lora, reference, rewards, rewardWeights, prompts, config, sink);
        this.config = config;
        this.advantages = config.advantages();
        this.objective = new ClipHigherObjective(config.clip().epsilon(), config.clip().clipHigh(), config.beta());
        this.aggregation = config.lossType().aggregation();
    }

    /** Group-relative advantages. */
    @Override
    double[] advantages(GroupSampler.Sample s, MetricSums sums) {
        return advantages.of(s.rewards());
    }

    /** A truncated completion counts for nothing when {@code mask_truncated_completions} is set. */
    @Override
    boolean scored(GroupSampler.Sample s, int i) {
        return !(config.maskTruncatedCompletions() && s.truncated()[i]);
    }

    /**
     * One micro-batch's forward and loss.
     *
     * @param loss       this micro-batch's share of the optimizer step's J, in the policy's graph   ()
     * @param perToken   l_it, 0 where masked                                                         (B, T-1)
     * @param logProbs   the policy's log-probs                                                       (B, T-1)
     * @param kl         mean k3 over the scored tokens (NaN when beta is 0)
     * @param entropy    mean entropy of the policy over the scored tokens
     */
    public record PolicyStep(Tensor loss, Tensor perToken, Tensor logProbs, double kl, double entropy, double lowClip, double highClip,
                             double regionClip) implements MicroStep {
        /** The loss is summed per optimizer step ({@code J}), then averaged over the steps; kl over the micro-batches. */
        @Override
        public void addLossTo(MetricSums sums) {
            sums.addToStep("loss", loss.item());
            sums.add("kl", kl);
        }
    }

    /**
     * The policy's forward over a padded micro-batch and its share of J; {@code stepTokens} is the number of scored
     * tokens in the whole optimizer step (what dapo divides by).
     */
    @Override
    public PolicyStep policyStep(GroupRollout.Minibatch b, double stepTokens) {
        Tensor logits = policy().forward(b.batch().batch());                                // (B, T, V)
        Tensor logp = TokenLogProbs.of(logits, b.batch().inputIds(), b.mask(), config.sampling().temperature()).logProbs();  // (B, T-1)
        ClipHigherObjective.Output out = objective.compute(logp, b.logProbs(), b.refLogProbs(), b.advantages(), b.mask());
        Tensor loss = aggregation.aggregate(out.perToken(), b.mask(),
                new LossAggregation.Normalizer(config.batching().gradientAccumulationSteps(), stepTokens, config.sampling().maxCompletionLength()));  // ()
        double kl;
        double entropy;
        try (NoGrad ng = NoGrad.enter()) {
            double tokens = Math.max(1.0, Masked.count(b.mask()));                         // all masked: 0, not NaN
            kl = out.kl() == null ? Double.NaN : Masked.sum(out.kl(), b.mask()).item() / tokens;
            entropy = Masked.sum(TokenEntropy.of(logits, b.mask(), config.sampling().temperature()), b.mask()).item() / tokens;
        }
        return new PolicyStep(loss, out.perToken(), logp, kl, entropy, out.lowClip(), out.highClip(), out.regionClip());
    }
}
