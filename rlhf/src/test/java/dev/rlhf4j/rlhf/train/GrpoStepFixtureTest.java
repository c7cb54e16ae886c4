package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.grpo.GroupRelativeAdvantages.ScaleRewards;
import dev.rlhf4j.rlhf.grpo.LossType;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reward.NamedReward;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer's own GRPO step against TRL's formulas in float64: the {@code grpo} entry of the trainer vectors (2
 * prompts x 4 completions of different lengths, padded as the trainer pads them) gives the group advantages, the grpo /
 * bnpo / dr_grpo losses, the mean k3 KL and the gradient of the grpo loss w.r.t. every policy parameter.
 */
class GrpoStepFixtureTest {
    @Test
    void theGrpoStepMatchesTrlToTheNinthDigit() throws IOException {
        JsonNode grpo = TrainerVectors.json().get("grpo");
        double[] rewards = GroupFixture.doubles(grpo.get("rewards"));
        double[] want = GroupFixture.doubles(grpo.get("advantages"));
        GrpoConfig config = GrpoConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(8)
                .numGenerations(grpo.get("num_generations").asInt()).maxCompletionLength(grpo.get("max_completion_length").asInt())
                .beta(grpo.get("beta").asDouble()).epsilon(grpo.get("epsilon").asDouble()).epsilonHigh(grpo.get("epsilon_high").asDouble())
                .scaleRewards(ScaleRewards.valueOf(grpo.get("scale_rewards").asText().toUpperCase())).lossType(LossType.GRPO).build();
        double[] a = config.advantages().of(rewards);
        double worstAdvantage = 0;
        for (int i = 0; i < a.length; i++) {
            worstAdvantage = Math.max(worstAdvantage, GroupFixture.close(want[i], a[i], "advantage " + i));
        }
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.fromPretrained(dev.rlhf4j.nn.Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        List<GroupRollout> rows = GroupFixture.rollouts(grpo, a);
        List<int[]> prompts = rows.stream().map(r -> r.example().prompt()).toList();
        NamedReward zero = new NamedReward("zero", b -> Tensor.zeros(DType.FLOAT64, b.size()));
        double[] lossErr = new double[3];
        double klErr;
        double gradErr;
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            LossType[] types = {LossType.GRPO, LossType.BNPO, LossType.DR_GRPO};
            for (int k = types.length - 1; k >= 0; k--) {
                GrpoTrainer trainer = new GrpoTrainer(policy, null, reference, List.of(zero), new double[] {1}, prompts,
                        config.toBuilder().lossType(types[k]).build(),
                        MetricsSink.NONE);
                try (Arena arena = Arena.open()) {
                    GroupRollout.Minibatch batch = GroupRollout.Minibatch.of(rows, policy.config().eosTokenId(), DType.FLOAT64);
                    double tokens = rows.stream().mapToInt(GroupRollout::scoredTokens).sum();
                    GrpoTrainer.PolicyStep step = trainer.policyStep(batch, tokens);
                    String name = types[k].name().toLowerCase();
                    lossErr[k] = GroupFixture.close(grpo.get("loss").get(name).asDouble(), step.loss().item(), "loss " + name);
                    if (types[k] == LossType.GRPO) {
                        step.loss().backward();
                    }
                    if (k == 0) {
                        klErr = GroupFixture.close(grpo.get("mean_kl").asDouble(), step.kl(), "mean_kl");
                        gradErr = GroupFixture.gradientsMatch("grpo_grads.safetensors", policy.namedParameters());
                        System.out.printf("GRPO step vs TRL: advantages %.3e, losses grpo %.3e bnpo %.3e dr_grpo %.3e, mean k3 %.3e, worst"
                                + " gradient %.3e (relative)%n", worstAdvantage, lossErr[0], lossErr[1], lossErr[2], klErr, gradErr);
                    }
                }
                trainer.release();
            }
        }
        assertEquals(8, rows.size());
        policy.release();
    }

    /**
     * mask_truncated_completions: a completion that is not scored changes bnpo's token mean exactly as leaving it out of
     * the batch does.
     */
    @Test
    void anUnscoredCompletionCountsForNothing() {
        JsonNode grpo = TrainerVectors.json().get("grpo");
        GrpoConfig config = GrpoConfig.trlDefaults().toBuilder().numGenerations(4).maxCompletionLength(6).maskTruncatedCompletions(true)
                .beta(0.04).epsilonHigh(0.28).lossType(LossType.BNPO).build();
        double[] a = config.advantages().of(GroupFixture.doubles(grpo.get("rewards")));
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.fromPretrained(dev.rlhf4j.nn.Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        List<GroupRollout> all = GroupFixture.rollouts(grpo, a);
        List<GroupRollout> masked = new java.util.ArrayList<>(all);
        GroupRollout first = all.get(0);
        masked.set(0, new GroupRollout(first.example(), first.logProbs(), first.refLogProbs(), first.advantage(), false));
        int eos = policy.config().eosTokenId();
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            GrpoTrainer trainer = new GrpoTrainer(policy, null, reference,
                    List.of(new NamedReward("zero", b -> Tensor.zeros(DType.FLOAT64, b.size()))), new double[] {1},
                    all.stream().map(r -> r.example().prompt()).toList(), config, MetricsSink.NONE);
            try (Arena arena = Arena.open()) {
                double tokens = masked.stream().mapToInt(GroupRollout::scoredTokens).sum();
                double withMask = trainer.policyStep(GroupRollout.Minibatch.of(masked, eos, DType.FLOAT64), tokens).loss().item();
                double without = trainer.policyStep(GroupRollout.Minibatch.of(all.subList(1, 8), eos, DType.FLOAT64), tokens).loss().item();
                assertEquals(without, withMask, 1e-12 * Math.abs(without));
                assertEquals(all.get(0).example().completion().length, all.stream().mapToInt(GroupRollout::scoredTokens).sum() - tokens);
            }
            trainer.release();
        }
        policy.release();
    }
}
