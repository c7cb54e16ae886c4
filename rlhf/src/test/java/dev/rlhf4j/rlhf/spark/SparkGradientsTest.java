package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.TensorSnapshot;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.HalfPrecisionReference;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoTrainer;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPO's data-parallel gradients on Spark for every reference an executor can rebuild (a bf16 copy, the offloaded
 * file's weights, the precomputed log-probs sent with each shard) give the single-process run's metrics and weights
 * bit for bit, in executor threads and in two executor JVMs; a reference that moves with the policy is refused.
 */
class SparkGradientsTest {
    private static final Gpt2Config CONFIG = new Gpt2Config(2, 4, 16, 32, 64, 1e-5, "gelu_new", "float32", 63, 63, 0.0, 0.0, 0.0);
    private static final DpoConfig DPO = DpoConfig.trlDefaults().toBuilder().learningRate(5e-2).maxSteps(3).perDeviceTrainBatchSize(2)
            .gradientAccumulationSteps(2).maxLength(12).maxPromptLength(4).seed(3).build();
    private static final List<PreferenceExample> DATA = pairs(12, new Random(5));

    @TempDir
    Path dir;

    /** A run's metrics without the wall clock, and its final weights as bytes. */
    record Outcome(List<Map<String, Double>> metrics, Map<String, List<Byte>> weights) {
    }

    @Test
    void everyRebuildableReferenceGivesTheSingleProcessRunInExecutorThreads() {
        Path modelDir = dir.resolve("model");
        Gpt2LMHeadModel saved = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 11);
        saved.save(modelDir);
        saved.release();
        Map<String, Function<Gpt2LMHeadModel, ReferenceModel>> references = new LinkedHashMap<>();
        references.put("bf16", p -> HalfPrecisionReference.of(p, DType.BFLOAT16));
        references.put("offloaded", p -> OffloadedReference.open(modelDir.resolve(AutoModel.WEIGHTS), CONFIG, DType.FLOAT32));
        references.put("precomputed", p -> DpoTrainer.precomputedReference(dir.resolve(p.hashCode() + ".safetensors"), DATA,
                precomputed(), p.namedParameters(), "no tokenizer", 63, () -> new FrozenCopyReference(p)));
        try (SparkCluster cluster = SparkCluster.start("local[2]", "spark-gradients-test")) {
            for (var r : references.entrySet()) {
                DpoConfig config = r.getKey().equals("precomputed") ? precomputed() : DPO;
                Outcome single = train(modelDir, r.getValue(), config, null);
                Outcome distributed = train(modelDir, r.getValue(), config, cluster);
                assertEquals(single.metrics(), distributed.metrics(), r.getKey());
                assertEquals(single.weights(), distributed.weights(), r.getKey());
                assertNotEquals(single.metrics().get(0).get("loss"), single.metrics().get(2).get("loss"), "the policy moved");
            }
        }
    }

    @Test
    void twoExecutorJvmsGiveTheSingleProcessRun() {
        Path modelDir = dir.resolve("model");
        Gpt2LMHeadModel saved = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 11);
        saved.save(modelDir);
        saved.release();
        Function<Gpt2LMHeadModel, ReferenceModel> frozen = FrozenCopyReference::new;
        Outcome single = train(modelDir, frozen, DPO, null);
        try (SparkCluster cluster = SparkCluster.start("local-cluster[2,1,1024]", "spark-gradients-test")) {
            Outcome distributed = train(modelDir, frozen, DPO, cluster);
            assertEquals(single.metrics(), distributed.metrics());
            assertEquals(single.weights(), distributed.weights());
        }
    }

    @Test
    void aReferenceThatMovesWithThePolicyIsRefusedInOneLine() {
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, 11);
        try (SparkCluster cluster = SparkCluster.start("local[1]", "spark-gradients-test");
             SynchronizedReference moving = new SynchronizedReference(policy, 2, 0.5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SparkGradients.dpo(cluster, policy, null, moving, DPO));
            assertEquals("--master: SynchronizedReference moves with the policy during the run and is not sent to executors; use"
                    + " --reference frozen, bf16, fp16, offloaded or lora-disabled (and --sync-ref-model false), or run without --master",
                    e.getMessage());
        } finally {
            policy.release();
        }
    }

    private static DpoConfig precomputed() {
        return DPO.toBuilder().precomputeRefLogProbs(true).build();
    }

    /** Three DPO steps of two micro-batches from the saved model, locally or on {@code cluster}. */
    private static Outcome train(Path modelDir, Function<Gpt2LMHeadModel, ReferenceModel> reference, DpoConfig config,
                                 SparkCluster cluster) {
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.fromPretrained(modelDir, DType.FLOAT32);
        List<Map<String, Double>> metrics = new ArrayList<>();
        try (ReferenceModel ref = reference.apply(policy); DpoTrainer trainer = DpoTrainer.of(policy, ref, config)) {
            SparkGradients<?, ?> shards = null;
            if (cluster != null) {
                var s = SparkGradients.dpo(cluster, policy, null, ref, config);
                trainer.useGradients(s);
                shards = s;
            }
            trainer.train(DATA, (step, m) -> {
                Map<String, Double> copy = new LinkedHashMap<>(m);
                copy.remove("tokens_per_second");
                metrics.add(copy);
            });
            if (shards != null) {
                long params = policy.namedParameters().values().stream().mapToLong(t -> t.numel() * 4).sum();
                assertEquals(3 * params, shards.broadcastBytes(), "one broadcast of the float32 weights per step");
                System.out.printf("DPO on %s: %d bytes of weights broadcast per step, %d once (reference), %d of gradient back per"
                        + " micro-batch%n", cluster.master(), params, shards.frozenBytes(), params);
                shards.close();
            }
            Map<String, List<Byte>> weights = new LinkedHashMap<>();
            TensorSnapshot.of(0, policy.namedParameters()).entries().forEach(e -> {
                List<Byte> bytes = new ArrayList<>();
                for (byte b : e.bytes()) {
                    bytes.add(b);
                }
                weights.put(e.name(), bytes);
            });
            assertTrue(metrics.size() == 3);
            return new Outcome(metrics, weights);
        } finally {
            policy.release();
        }
    }

    private static List<PreferenceExample> pairs(int n, Random random) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PreferenceExample(ids(1 + random.nextInt(4), random), ids(2 + random.nextInt(5), random), ids(2 + random.nextInt(5), random)));
        }
        return out;
    }

    private static int[] ids(int n, Random random) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 10 + random.nextInt(50);
        }
        return out;
    }
}
