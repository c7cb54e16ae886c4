package dev.rlhf4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.train.SftConfig;
import dev.rlhf4j.rlhf.train.SftTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The same seed gives the same bits: three SFT runs of a model large enough for the SIMD kernels (GELU, cross-entropy,
 * AdamW) report the same losses and end with the same weights, although the first starts with those kernels
 * interpreted and the last runs them JIT-compiled (a vector-API exp that differed between the two made runs drift).
 */
class TrainingDeterminismTest {
    @Test
    void threeIdenticalRunsGiveIdenticalLossesAndWeights() {
        List<CompletionExample> data = data(256, 600, 11);
        double[][] losses = new double[3][];
        float[][] weights = new float[3][];
        for (int run = 0; run < 3; run++) {
            Gpt2LMHeadModel model = Gpt2LMHeadModel.random(
                    new Gpt2Config(2, 4, 128, 64, 600, 1e-5, "gelu_new", "float32", 599, 599, 0, 0, 0), DType.FLOAT32, 5);
            List<Double> seen = new ArrayList<>();
            SftConfig config = SftConfig.trlDefaults().toBuilder().learningRate(1e-3).perDeviceTrainBatchSize(32).maxSteps(12).seed(3).build();
            SftTrainer trainer = new SftTrainer(model, data, config, (step, m) -> seen.add(m.get("loss")));
            trainer.train();
            losses[run] = seen.stream().mapToDouble(Double::doubleValue).toArray();
            Map<String, Tensor> params = model.namedParameters();
            weights[run] = params.get("transformer.h.1.mlp.c_fc.weight").toFloatArray();
            trainer.release();
            model.release();
        }
        assertEquals(12, losses[0].length);
        for (int run = 1; run < 3; run++) {
            assertArrayEquals(losses[0], losses[run], "losses of run " + (run + 1) + " differ from run 1");
            assertArrayEquals(weights[0], weights[run], "weights of run " + (run + 1) + " differ from run 1");
        }
    }

    private static List<CompletionExample> data(int n, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<CompletionExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new CompletionExample(random.ints(3 + random.nextInt(4), 0, vocab - 1).toArray(),
                    random.ints(8 + random.nextInt(10), 0, vocab - 1).toArray()));
        }
        return out;
    }
}
