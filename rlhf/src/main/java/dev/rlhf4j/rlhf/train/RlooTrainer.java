package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.Masked;
import dev.rlhf4j.rlhf.logprob.TokenEntropy;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.rloo.LeaveOneOutBaseline;
import java.util.List;

/**
 * REINFORCE Leave-One-Out (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style Optimization for Learning
 * from Human Feedback in LLMs"; TRL's {@code RLOOTrainer}): each completion is one action, its baseline the mean reward
 * of the other completions of its prompt, and the KL to the reference a penalty on the sequence's reward. For G
 * completions o_1..o_G of prompt q,
 * <pre>
 *   r'_i  = r_i - beta sum_t (log pi_old(o_it) - log pi_ref(o_it))                       ({@link LeaveOneOutBaseline})
 *   A_i   = r'_i - 1/(G-1) sum_{j != i} r'_j                   (optionally standardised over the batch)
 *   rho_i = exp(sum_t log pi(o_it) - sum_t log pi_old(o_it))                            one ratio per sequence
 *   L     = mean_i -min(rho_i A_i, clip(rho_i, 1 - epsilon, 1 + epsilon_high) A_i)
 * </pre>
 * The sampling, the optimizer steps, the checkpoints and the metrics are {@link GroupTrainer}'s; this class is the
 * advantage (step 5: penalised rewards, leave-one-out) and the objective (step 6). {@code kl} is the batch mean of the
 * penalty's {@code sum_t (log pi_old - log pi_ref)}; the clip ratios are counted per sequence.
 *
 * <p>Legend: B completions, T prompt + completion + padding, V vocabulary.
 */
public final class RlooTrainer extends GroupTrainer {
    private final RlooConfig config;
    private final LeaveOneOutBaseline baseline;

    /**
     * @param policy        the policy, put in eval mode
     * @param lora          LoRA adapters attached to {@code policy} (only they train), or null
     * @param reference     the frozen reference; may be null when beta is 0, and is then never called
     * @param rewards       the reward functions, each logged under its name
     * @param rewardWeights TRL's {@code reward_weights}, one per reward
     * @param prompts       tokenized prompts
     */
    public RlooTrainer(CausalLM policy, LoraModel lora, ReferenceModel reference, List<NamedReward> rewards, double[] rewardWeights,
                       List<int[]> prompts, RlooConfig config, MetricsSink sink) {
        super("rloo", policy, lora, reference, rewards, rewardWeights, prompts, config, sink);
        this.config = config;
        this.baseline = new LeaveOneOutBaseline(config.batching().numGenerations());
    }

    /** The KL penalty folded into each reward, then the leave-one-out baseline; {@code kl} is the batch's mean penalty. */
    @Override
    double[] advantages(GroupSampler.Sample s, MetricSums sums) {
        double[] penalised = LeaveOneOutBaseline.penalised(s.rewards(), s.logProbs(), s.refLogProbs(), config.beta());
        observer().array("penalised_rewards", penalised);
        double[] a = baseline.advantages(penalised);
        if (s.refLogProbs() != null) {
            double kl = 0;
            for (int i = 0; i < a.length; i++) {
                kl += LeaveOneOutBaseline.sequenceKl(s.logProbs()[i], s.refLogProbs()[i]) / a.length;
            }
            sums.add("kl", kl);
        }
        return config.normalizeAdvantages() ? LeaveOneOutBaseline.normalized(a) : a;
    }

    /**
     * One micro-batch's forward and loss.
     *
     * @param loss     this micro-batch's share of the optimizer step's L, in the policy's graph  ()
     * @param ratios   rho_i of each sequence, outside the graph                                  (B)
     * @param entropy  mean entropy of the policy over the completion tokens
     */
    public record PolicyStep(Tensor loss, double[] ratios, double entropy, double lowClip, double highClip, double regionClip)
            implements MicroStep {
        /** The loss is summed over every micro-batch of the step's optimizer steps. */
        @Override
        public void addLossTo(MetricSums sums) {
            sums.add("loss", loss.item());
        }
    }

    @Override
    MicroStep policyStep(GroupRollout.Minibatch b, double stepTokens) {
        return policyStep(b);
    }

    /** The policy's forward over a padded micro-batch and its share of the step's loss. */
    public PolicyStep policyStep(GroupRollout.Minibatch b) {
        Tensor logits = policy().forward(b.batch().batch());                                // (B, T, V)
        Tensor logp = TokenLogProbs.of(logits, b.batch().inputIds(), b.mask(), config.sampling().temperature()).logProbs();  // (B, T-1)
        Tensor logRatio = Masked.rowSum(logp, b.mask()).sub(Masked.rowSum(b.logProbs(), b.mask()));  // (B)
        Tensor ratio = logRatio.exp();                                                       // (B)
        Tensor a = Masked.rowSum(b.advantages(), b.mask()).div(b.mask().sum(-1, false));     // (B)
        Tensor clipped = ratio.clamp(1.0 - config.clip().epsilon(), 1.0 + config.clip().clipHigh()).mul(a);  // (B)
        Tensor loss = ratio.mul(a).minimum(clipped).neg().mean().div(config.batching().gradientAccumulationSteps());  // ()
        double[] rho;
        double[] adv;
        double entropy;
        try (NoGrad ng = NoGrad.enter()) {
            rho = ratio.toDoubleArray();
            adv = a.toDoubleArray();
            entropy = Masked.mean(TokenEntropy.of(logits, b.mask(), config.sampling().temperature()), b.mask()).item();
        }
        double low = 0;
        double high = 0;
        for (int i = 0; i < rho.length; i++) {
            low += rho[i] < 1.0 - config.clip().epsilon() && adv[i] < 0 ? 1.0 / rho.length : 0;
            high += rho[i] > 1.0 + config.clip().clipHigh() && adv[i] > 0 ? 1.0 / rho.length : 0;
        }
        return new PolicyStep(loss, rho, entropy, low, high, low + high);
    }
}
