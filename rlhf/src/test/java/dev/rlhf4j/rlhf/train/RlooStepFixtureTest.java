package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.rloo.LeaveOneOutBaseline;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer's own RLOO step against TRL's formulas in float64: on the {@code grpo} rollouts, the {@code rloo} entry
 * of the trainer vectors gives the KL-penalised rewards, the leave-one-out advantages, the loss and the gradient of
 * the loss w.r.t. every policy parameter.
 */
class RlooStepFixtureTest {
    @Test
    void theRlooStepMatchesTrlToTheNinthDigit() throws IOException {
        JsonNode root = TrainerVectors.json();
        JsonNode grpo = root.get("grpo");
        JsonNode rloo = root.get("rloo");
        int n = grpo.get("rollouts").size();
        double[][] old = new double[n][];
        double[][] ref = new double[n][];
        for (int i = 0; i < n; i++) {
            old[i] = GroupFixture.doubles(grpo.get("rollouts").get(i).get("old_logprobs"));
            ref[i] = GroupFixture.doubles(grpo.get("rollouts").get(i).get("ref_logprobs"));
        }
        RlooConfig config = RlooConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(n).numGenerations(rloo.get("num_generations").asInt())
                .maxCompletionLength(6).beta(rloo.get("beta").asDouble()).epsilon(rloo.get("epsilon").asDouble())
                .epsilonHigh(rloo.get("epsilon_high").asDouble()).build();
        double[] penalised = LeaveOneOutBaseline.penalised(GroupFixture.doubles(grpo.get("rewards")), old, ref, config.beta());
        double[] a = new LeaveOneOutBaseline(config.batching().numGenerations()).advantages(penalised);
        double worstReward = 0;
        double worstAdvantage = 0;
        for (int i = 0; i < n; i++) {
            worstReward = Math.max(worstReward, GroupFixture.close(rloo.get("penalised_rewards").get(i).asDouble(), penalised[i], "r' " + i));
            worstAdvantage = Math.max(worstAdvantage, GroupFixture.close(rloo.get("advantages").get(i).asDouble(), a[i], "A " + i));
        }
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.fromPretrained(dev.rlhf4j.nn.Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        List<GroupRollout> rows = GroupFixture.rollouts(grpo, a);
        NamedReward zero = new NamedReward("zero", b -> Tensor.zeros(DType.FLOAT64, b.size()));
        try (FrozenCopyReference reference = new FrozenCopyReference(policy)) {
            RlooTrainer trainer = new RlooTrainer(policy, null, reference, List.of(zero), new double[] {1},
                    rows.stream().map(r -> r.example().prompt()).toList(), config, MetricsSink.NONE);
            try (Arena arena = Arena.open()) {
                RlooTrainer.PolicyStep step = trainer.policyStep(GroupRollout.Minibatch.of(rows, policy.config().eosTokenId(), DType.FLOAT64));
                double lossErr = GroupFixture.close(rloo.get("loss").asDouble(), step.loss().item(), "loss");
                step.loss().backward();
                double gradErr = GroupFixture.gradientsMatch("rloo_grads.safetensors", policy.namedParameters());
                System.out.printf("RLOO step vs TRL: penalised rewards %.3e, advantages %.3e, loss %.3e, worst gradient %.3e (relative)%n",
                        worstReward, worstAdvantage, lossErr, gradErr);
            }
            trainer.release();
        }
        assertEquals(8, n);
        policy.release();
    }
}
