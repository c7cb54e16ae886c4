package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.nn.io.TensorSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The promise of gradient accumulation, kept by the shard path: the gradients of a step's micro-batches, each from
 * zeroed gradients and summed in order, are the gradient of the whole step computed as one large batch (float64, to
 * 1e-12 of the largest component); and a shard's gradient does not depend on which shards ran before it.
 */
class ShardGradientProperties {
    private static final Gpt2LMHeadModel SFT_MODEL = Toy.model(DType.FLOAT64, 31);
    private static final Gpt2LMHeadModel DPO_MODEL = Toy.model(DType.FLOAT64, 32);
    private static final FrozenCopyReference REFERENCE;
    private static final Gpt2LMHeadModel DROPOUT_MODEL = Gpt2LMHeadModel.random(
            new Gpt2Config(2, 4, 16, 32, 64, 1e-5, "gelu_new", "float32", 63, 63, 0.1, 0.1, 0.1), DType.FLOAT32, 33);

    static {
        Gpt2LMHeadModel start = Toy.model(DType.FLOAT64, 34);
        REFERENCE = new FrozenCopyReference(start);
        start.release();
    }

    /** SFT: micro-batches of {@code size} rows, each divided by the step's scored tokens, sum to one batch of all rows. */
    @Property(tries = 10)
    void sftShardGradientsSumToTheWholeBatchsGradient(@ForAll @IntRange(min = 3, max = 7) int rows,
                                                      @ForAll @IntRange(min = 1, max = 3) int size, @ForAll long seed) {
        List<CompletionExample> data = Toy.completions(rows, new Random(seed));
        Map<String, Tensor> trainable = SFT_MODEL.namedParameters();
        int scored = data.stream().mapToInt(e -> e.completion().length).sum();
        List<SftGradientShard> shards = new ArrayList<>();
        for (int from = 0; from < rows; from += size) {
            shards.add(SftGradientShard.of(data.subList(from, Math.min(from + size, rows)), scored, seed));
        }
        var local = new LocalGradients<SftGradientShard, SftTrainer.Forward>(trainable, s -> s.backward(SFT_MODEL, true));
        List<ShardGradient<SftTrainer.Forward>> results = local.compute(0, shards);
        ShardGradient.sumInto(trainable, results);
        Map<String, double[]> summed = gradients(trainable);

        SftTrainer.Forward whole = SftGradientShard.of(data, scored, seed).backward(SFT_MODEL, true);
        Map<String, double[]> expected = gradients(trainable);
        double loss = results.stream().mapToDouble(r -> r.metrics().loss()).sum();
        assertEquals(whole.loss(), loss, 1e-12 * Math.abs(whole.loss()));
        assertClose(expected, summed);
        SFT_MODEL.eval();
    }

    /** DPO: k micro-batches of equal size, each's mean loss scaled by 1/k, sum to the mean loss of all pairs. */
    @Property(tries = 8)
    void dpoShardGradientsSumToTheWholeBatchsGradient(@ForAll @IntRange(min = 1, max = 3) int size,
                                                      @ForAll @IntRange(min = 2, max = 3) int k, @ForAll long seed) {
        List<PreferenceExample> pairs = Toy.markedPairs(size * k, seed);
        DpoConfig config = DpoConfig.trlDefaults().toBuilder().beta(0.5).build();
        DpoGradient gradient = new DpoGradient(DPO_MODEL, DPO_MODEL, REFERENCE, config);
        Map<String, Tensor> trainable = DPO_MODEL.namedParameters();
        List<DpoGradientShard> shards = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            shards.add(DpoGradientShard.of(pairs.subList(m * size, (m + 1) * size), 1.0 / k));
        }
        var local = new LocalGradients<DpoGradientShard, DpoStep>(trainable, s -> gradient.step(s, StepObserver.NONE));
        ShardGradient.sumInto(trainable, local.compute(0, shards));
        Map<String, double[]> summed = gradients(trainable);

        gradient.step(DpoGradientShard.of(pairs, 1.0), StepObserver.NONE);
        assertClose(gradients(trainable), summed);
    }

    /** A shard's gradient (dropout on) is the same bits whether it runs first or after the others. */
    @Property(tries = 5)
    void aShardsGradientDoesNotDependOnTheShardsBeforeIt(@ForAll long seed) {
        List<CompletionExample> data = Toy.completions(6, new Random(seed));
        List<SftGradientShard> shards = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            shards.add(SftGradientShard.of(data.subList(2 * m, 2 * m + 2), 20, TrainingPlan.shardSeed(seed, 0, m)));
        }
        Map<String, Tensor> trainable = DROPOUT_MODEL.namedParameters();
        var local = new LocalGradients<SftGradientShard, SftTrainer.Forward>(trainable, s -> s.backward(DROPOUT_MODEL, true));
        List<ShardGradient<SftTrainer.Forward>> forward = local.compute(0, shards);
        List<SftGradientShard> reversed = new ArrayList<>(shards);
        Collections.reverse(reversed);
        List<ShardGradient<SftTrainer.Forward>> backward = new ArrayList<>(local.compute(0, reversed));
        Collections.reverse(backward);
        DROPOUT_MODEL.eval();
        for (int m = 0; m < 3; m++) {
            assertEquals(forward.get(m).metrics(), backward.get(m).metrics());
            List<TensorSnapshot.Entry> a = forward.get(m).gradients().entries();
            List<TensorSnapshot.Entry> b = backward.get(m).gradients().entries();
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).bytes(), b.get(i).bytes(), a.get(i).name());
            }
        }
    }

    private static Map<String, double[]> gradients(Map<String, Tensor> trainable) {
        Map<String, double[]> out = new LinkedHashMap<>();
        trainable.forEach((name, p) -> out.put(name, p.grad().toDoubleArray()));
        trainable.values().forEach(Tensor::zeroGrad);
        return out;
    }

    private static void assertClose(Map<String, double[]> expected, Map<String, double[]> actual) {
        for (Map.Entry<String, double[]> e : expected.entrySet()) {
            double[] a = e.getValue();
            double[] b = actual.get(e.getKey());
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(diff <= 1e-12 * Math.max(scale, 1e-6), e.getKey() + ": summed shards vs one batch differ by " + diff
                    + " (scale " + scale + ")");
        }
    }
}
