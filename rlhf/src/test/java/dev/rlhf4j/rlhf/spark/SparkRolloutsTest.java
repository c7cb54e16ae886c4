package dev.rlhf4j.rlhf.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.HalfPrecisionReference;
import dev.rlhf4j.rlhf.reference.LoraDisabledReference;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import dev.rlhf4j.rlhf.run.MetricsRow;
import dev.rlhf4j.rlhf.train.GrpoConfig;
import dev.rlhf4j.rlhf.train.GrpoTrainer;
import dev.rlhf4j.rlhf.train.PpoTrainer;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
import dev.rlhf4j.rlhf.train.RlooConfig;
import dev.rlhf4j.rlhf.train.RlooTrainer;
import dev.rlhf4j.rlhf.train.SharedTrunkCritic;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed rollouts reproduce the single-process run bit for bit: PPO (LoRA, its base as the reference, a reward
 * model), GRPO (a frozen reference, a reward model and a serializable rule) and RLOO (an offloaded reference, a bf16
 * one) train 2-3 steps without {@code --master}, on {@code local[1]} and on {@code local[2]}, and every metric but the
 * wall-clock ones, and every final weight, are equal; GRPO does the same on two executor JVMs ({@code local-cluster}).
 */
class SparkRolloutsTest {
    private static final int VOCAB = 16;
    private static final int PAID = 7;
    private static final Gpt2Config CONFIG = new Gpt2Config(2, 4, 32, 32, VOCAB, 1e-5, "gelu_new", "float32", VOCAB - 1, VOCAB - 1,
            0.0, 0.0, 0.0);

    /** A rule reward that travels to executors: 1 per completion token equal to PAID. */
    private static final RewardFunction COUNT_PAID = (RewardFunction & Serializable) batch -> {
        double[] s = new double[batch.size()];
        for (int b = 0; b < s.length; b++) {
            int[] row = batch.batch().tokens(b);
            for (int j = batch.promptLengths()[b]; j < batch.promptLengths()[b] + batch.completionLengths()[b]; j++) {
                s[b] += row[j] == PAID ? 1 : 0;
            }
        }
        return Tensor.of(s, DType.FLOAT64, s.length);
    };

    static List<int[]> prompts(int n, long seed) {
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = new int[2 + r.nextInt(3)];
            for (int j = 0; j < p.length; j++) {
                p[j] = r.nextInt(VOCAB - 1);
            }
            out.add(p);
        }
        return out;
    }

    /** A run's metrics without the wall-clock ones, and its final trained weights. */
    record Outcome(List<Map<String, Double>> metrics, Map<String, double[]> weights) {
        void assertSame(Outcome other, String what) {
            assertEquals(metrics.size(), other.metrics.size(), what);
            for (int i = 0; i < metrics.size(); i++) {
                assertEquals(metrics.get(i), other.metrics.get(i), what + ": the metrics of step " + (i + 1));
            }
            assertEquals(weights.keySet(), other.weights.keySet(), what);
            weights.forEach((name, w) -> assertArrayEquals(w, other.weights.get(name), what + ": final weight " + name));
        }
    }

    private static List<Map<String, Double>> collector(List<Map<String, Double>> into, long step, Map<String, Double> m) {
        Map<String, Double> kept = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!MetricsRow.isWallClock(k)) {
                kept.put(k, v);
            }
        });
        into.add(kept);
        return into;
    }

    private static Map<String, double[]> weights(Map<String, Tensor> params) {
        Map<String, double[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.toDoubleArray()));
        return out;
    }

    /** Trains a run with {@code master} (null: no Spark); {@code run} builds and trains the trainer with the rollouts given. */
    private static Outcome withMaster(String master, java.util.function.Function<Rollouts.Factory, Outcome> run) {
        if (master == null) {
            return run.apply(Rollouts.LOCAL);
        }
        try (SparkCluster cluster = SparkCluster.start(master, "spark-rollouts-test")) {
            return run.apply(SparkRollouts.on(cluster));
        }
    }

    private static Outcome grpo(Rollouts.Factory rollouts) {
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        RewardModel scorer = RewardModel.fromLm(Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 4), 5);
        List<Map<String, Double>> metrics = new ArrayList<>();
        GrpoConfig config = GrpoConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(4).gradientAccumulationSteps(2)
                .numGenerations(4).maxCompletionLength(6).beta(0.04).learningRate(1e-2).maxSteps(3).seed(11)
                .localRolloutForwardBatchSize(3).build();
        try (ReferenceModel reference = new FrozenCopyReference(policy)) {
            GrpoTrainer trainer = new GrpoTrainer(policy, null, reference, List.of(new NamedReward("reward_model", scorer),
                    new NamedReward("paid", COUNT_PAID)), new double[] {1.0, 2.0}, prompts(12, 3), config, (s, m) -> collector(metrics, s, m));
            trainer.rollouts(rollouts);
            trainer.train();
            trainer.release();
            return new Outcome(metrics, weights(policy.namedParameters()));
        } finally {
            scorer.release();
            policy.release();
        }
    }

    private static Outcome ppo(Rollouts.Factory rollouts) {
        Gpt2LMHeadModel actor = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        RewardModel scorer = RewardModel.fromLm(Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 4), 5);
        LoraModel lora = LoraModel.create(actor, LoraConfig.gpt2Attention(4, 8), new TensorRandom(6));
        List<Map<String, Double>> metrics = new ArrayList<>();
        PpoTrainerConfig config = PpoTrainerConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(4).numMiniBatches(2)
                .responseLength(6).learningRate(1e-2).maxGradNorm(1.0).numPpoEpochs(2).maxSteps(2).seed(11)
                .localRolloutForwardBatchSize(3).build();
        try (LoraDisabledReference reference = LoraDisabledReference.of(actor, lora);
             SharedTrunkCritic critic = new SharedTrunkCritic(32, DType.FLOAT32, new TensorRandom(2), 0.02)) {
            PpoTrainer trainer = new PpoTrainer(actor, lora, critic, reference, scorer, prompts(16, 3), config,
                    (s, m) -> collector(metrics, s, m));
            trainer.rollouts(rollouts);
            trainer.train();
            trainer.release();
            Map<String, double[]> w = weights(lora.namedParameters());
            w.putAll(weights(critic.trainableParameters()));
            return new Outcome(metrics, w);
        } finally {
            lora.release();
            scorer.release();
            actor.release();
        }
    }

    private static Outcome rloo(Rollouts.Factory rollouts, Path file, boolean offloaded) {
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        List<Map<String, Double>> metrics = new ArrayList<>();
        RlooConfig config = RlooConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .maxCompletionLength(5).learningRate(1e-2).maxSteps(2).seed(11).localRolloutForwardBatchSize(4).build();
        try (ReferenceModel reference = offloaded ? OffloadedReference.of(policy, file)
                : HalfPrecisionReference.of(policy, DType.BFLOAT16)) {
            RlooTrainer trainer = new RlooTrainer(policy, null, reference, List.of(new NamedReward("paid", COUNT_PAID)), new double[] {1.0},
                    prompts(12, 3), config, (s, m) -> collector(metrics, s, m));
            trainer.rollouts(rollouts);
            trainer.train();
            trainer.release();
            return new Outcome(metrics, weights(policy.namedParameters()));
        } finally {
            policy.release();
        }
    }

    @Test
    void grpoOnLocalThreadsMatchesTheSingleProcessRun() {
        Outcome single = withMaster(null, SparkRolloutsTest::grpo);
        assertTrue(single.metrics().size() == 3 && single.metrics().get(0).containsKey("kl"), "3 steps with a reference");
        withMaster("local[1]", SparkRolloutsTest::grpo).assertSame(single, "grpo local[1]");
        withMaster("local[2]", SparkRolloutsTest::grpo).assertSame(single, "grpo local[2]");
    }

    @Test
    void ppoWithLoraOnLocalThreadsMatchesTheSingleProcessRun() {
        Outcome single = withMaster(null, SparkRolloutsTest::ppo);
        assertNotEquals(0.0, single.metrics().get(1).get("objective/kl"), "the adapters moved the policy from its base");
        withMaster("local[1]", SparkRolloutsTest::ppo).assertSame(single, "ppo local[1]");
        withMaster("local[2]", SparkRolloutsTest::ppo).assertSame(single, "ppo local[2]");
    }

    @Test
    void rlooWithOffloadedAndHalfReferencesOnLocalThreadsMatchesTheSingleProcessRun(@TempDir Path dir) {
        for (boolean offloaded : new boolean[] {true, false}) {
            Outcome single = withMaster(null, r -> rloo(r, dir.resolve("single-" + offloaded + ".safetensors"), offloaded));
            withMaster("local[1]", r -> rloo(r, dir.resolve("one-" + offloaded + ".safetensors"), offloaded)).assertSame(single, "rloo local[1], offloaded " + offloaded);
            withMaster("local[2]", r -> rloo(r, dir.resolve("two-" + offloaded + ".safetensors"), offloaded)).assertSame(single, "rloo local[2], offloaded " + offloaded);
        }
    }

    @Test
    void grpoOnTwoExecutorJvmsMatchesTheSingleProcessRun() {
        Outcome single = withMaster(null, SparkRolloutsTest::grpo);
        withMaster("local-cluster[2,1,1024]", SparkRolloutsTest::grpo).assertSame(single, "grpo local-cluster[2,1,1024]");
    }

    @Test
    void aReferenceThatFollowsThePolicyIsRefusedNamingTheOption() {
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 9);
        try (SynchronizedReference reference = new SynchronizedReference(policy, 2, 0.5);
             SparkCluster cluster = SparkCluster.start("local[1]", "spark-rollouts-test")) {
            GrpoTrainer trainer = new GrpoTrainer(policy, null, reference, List.of(new NamedReward("paid", COUNT_PAID)), new double[] {1.0},
                    prompts(12, 3), GrpoConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(4)
                    .gradientAccumulationSteps(2).numGenerations(4).maxCompletionLength(6).beta(0.04).build(), (s, m) -> { });
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.rollouts(SparkRollouts.on(cluster)));
            assertTrue(e.getMessage().contains("--sync-ref-model"), e.getMessage());
            trainer.release();
        } finally {
            policy.release();
        }
    }
}
