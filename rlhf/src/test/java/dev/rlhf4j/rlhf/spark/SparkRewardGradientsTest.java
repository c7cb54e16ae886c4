package dev.rlhf4j.rlhf.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.train.RewardConfig;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reward model's data-parallel gradients with what the command line does not reach: per-pair margins (which
 * travel with each shard), reward centering and dropout in every micro-batch, pairs of unequal lengths. On two
 * executor threads the metrics and the final weights are the single-process run's, bit for bit.
 */
class SparkRewardGradientsTest {
    private static final Gpt2Config CONFIG = new Gpt2Config(2, 4, 16, 32, 64, 1e-5, "gelu_new", "float32", 63, 63, 0.1, 0.1, 0.1);
    private static final RewardConfig REWARD = RewardConfig.trlDefaults().toBuilder().learningRate(1e-2).perDeviceTrainBatchSize(2)
            .gradientAccumulationSteps(2).numTrainEpochs(1.0).maxSteps(3).seed(5).perDeviceEvalBatchSize(4).maxLength(24)
            .centerRewardsCoefficient(0.01).disableDropout(false).build();

    record Outcome(List<Map<String, Double>> metrics, Map<String, String> weights) {
    }

    @Test
    void marginsCenteringAndDropoutGiveTheSingleProcessRunOnTwoExecutorThreads() {
        Random random = new Random(9);
        List<PreferenceExample> pairs = new ArrayList<>();
        double[] margins = new double[12];
        for (int i = 0; i < 12; i++) {
            pairs.add(new PreferenceExample(tokens(1 + random.nextInt(4), random), tokens(1 + random.nextInt(5), random),
                    tokens(1 + random.nextInt(5), random)));
            margins[i] = random.nextDouble();
        }
        Outcome single = train(pairs, margins, null);
        try (SparkCluster cluster = SparkCluster.start("local[2]", "reward-gradients-test")) {
            Outcome distributed = train(pairs, margins, cluster);
            assertEquals(single.metrics(), distributed.metrics());
            assertEquals(single.weights(), distributed.weights());
        }
        assertNotEquals(single.metrics().get(0).get("loss"), single.metrics().get(2).get("loss"), "the model moved");
    }

    /** Three steps of two micro-batches, the held-out pairs scored at the end, locally or on {@code cluster}. */
    private static Outcome train(List<PreferenceExample> pairs, double[] margins, SparkCluster cluster) {
        Gpt2LMHeadModel lm = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 11);
        RewardModel model = RewardModel.fromLm(lm, 12);
        lm.release();
        List<Map<String, Double>> metrics = new ArrayList<>();
        RewardModelTrainer trainer = new RewardModelTrainer(model, pairs.subList(0, 10), Arrays.copyOf(margins, 10),
                pairs.subList(10, 12), REWARD, (step, m) -> {
                    Map<String, Double> copy = new LinkedHashMap<>(m);
                    copy.remove("tokens_per_second");
                    metrics.add(copy);
                });
        try {
            SparkGradients<?, ?> shards = null;
            if (cluster != null) {
                var s = SparkGradients.reward(cluster, model, REWARD);
                trainer.useGradients(s);
                shards = s;
            }
            trainer.train();
            if (shards != null) {
                long params = model.namedParameters().values().stream().mapToLong(t -> t.numel() * 4).sum();
                assertEquals(3 * params, shards.broadcastBytes(), "one broadcast of the float32 weights (trunk and score head) per step");
                shards.close();
            }
            assertEquals(3, metrics.size());
            assertTrue(metrics.get(2).containsKey("eval_accuracy"));
            Map<String, String> weights = new LinkedHashMap<>();
            TensorSnapshot.of(0, model.namedParameters()).entries().forEach(e -> weights.put(e.name(), Arrays.toString(e.bytes())));
            return new Outcome(metrics, weights);
        } finally {
            trainer.release();
            model.release();
        }
    }

    private static int[] tokens(int n, Random random) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = random.nextInt(63);
        }
        return t;
    }
}
