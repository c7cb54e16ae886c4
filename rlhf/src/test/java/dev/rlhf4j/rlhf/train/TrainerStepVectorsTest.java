package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.TrainerVectors.relative;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.rlhf.Fixtures;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.reward.RewardModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trainers' own step code against PyTorch float64 (fixtures/trainer-vectors, through gpt2-tiny-random): the
 * reward-model batch (scores, Bradley-Terry loss, accuracy and the gradient of every parameter), and the SFT loss
 * against -logp computed row by row, unpadded, from the model's logits and a log-softmax written here.
 */
class TrainerStepVectorsTest {
    private static final double TOL = 1e-9;

    private static Gpt2LMHeadModel policy() {
        return Gpt2LMHeadModel.fromPretrained(dev.rlhf4j.nn.Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
    }

    @Test
    void rewardModelStepMatchesPyTorch() {
        JsonNode root = TrainerVectors.json();
        JsonNode v = root.get("reward_model");
        List<PreferenceExample> pairs = TrainerVectors.dpoPairs(root);
        Gpt2LMHeadModel lm = policy();
        RewardModel rm = RewardModel.fromLm(lm, 0);
        lm.release();
        try (var ng = NoGrad.enter()) {
            rm.namedParameters().get("score.weight").assign(Tensor.of(Fixtures.doubles(v.get("score_weight")), DType.FLOAT64, 1, 32));
        }
        RewardModelTrainer trainer = new RewardModelTrainer(rm, pairs, List.of(), RewardConfig.trlDefaults(), MetricsSink.NONE);
        RewardModelTrainer.Batch batch = trainer.batch(pairs, null);
        assertTrue(batch.rows().batch().isPadded(), "the rows are padded as the trainer pads them");

        RewardModelTrainer.Forward f = trainer.backward(batch, 1.0);

        double worst = 0;
        double[] chosen = Fixtures.doubles(v.get("rewards_chosen"));
        double[] rejected = Fixtures.doubles(v.get("rewards_rejected"));
        for (int i = 0; i < pairs.size(); i++) {
            worst = Math.max(worst, relative(f.rewardsChosen()[i], chosen[i]));
            worst = Math.max(worst, relative(f.rewardsRejected()[i], rejected[i]));
        }
        worst = Math.max(worst, relative(f.loss(), v.get("loss").asDouble()));
        assertEquals(v.get("accuracy").asDouble(), f.accuracy(), 1e-15);
        assertTrue(worst <= TOL, "rewards and loss: max relative error " + worst);

        Map<String, Tensor> params = rm.namedParameters();
        double worstGrad = 0;
        double worstZero = 0;
        List<String> seen = new ArrayList<>();
        try (SafetensorsReader reader = SafetensorsReader.open(TrainerVectors.file("rm_grads.safetensors"))) {
            for (String name : reader.entries().keySet()) {
                Tensor p = params.get(name);
                assertNotNull(p, "the reward model has no parameter " + name);
                assertNotNull(p.grad(), name + " has no gradient");
                Tensor expectedTensor = reader.read(name);
                double[] expected = expectedTensor.toDoubleArray();
                expectedTensor.release();
                double[] actual = p.grad().toDoubleArray();
                double scale = 0;
                double diff = 0;
                for (int i = 0; i < expected.length; i++) {
                    scale = Math.max(scale, Math.abs(expected[i]));
                    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
                }
                if (scale == 0) {
                    // ln_f.bias: the loss only sees r_c - r_r, and a bias adds w . b to both, so torch's gradient is 0
                    worstZero = Math.max(worstZero, diff);
                    assertTrue(diff <= 1e-15, name + ": torch's gradient is 0, got up to " + diff);
                } else {
                    double rel = diff / scale;
                    worstGrad = Math.max(worstGrad, rel);
                    assertTrue(rel <= TOL, name + ": max |grad - torch| / max |torch| = " + rel);
                }
                seen.add(name);
            }
        }
        assertEquals(params.keySet(), new java.util.HashSet<>(seen), "the fixture holds a gradient for every parameter");
        System.out.printf("reward model step vs PyTorch: rewards/loss max rel %.3e, gradients max rel %.3e"
                + " (max |grad| %.1e where torch's is 0)%n", worst, worstGrad, worstZero);
        trainer.release();
        rm.release();
    }

    @Test
    void sftLossIsTheTokenMeanOfRowByRowUnpaddedNll() {
        List<PreferenceExample> pairs = TrainerVectors.dpoPairs(TrainerVectors.json());
        List<CompletionExample> rows = new ArrayList<>();
        for (PreferenceExample p : pairs) {
            rows.add(p.chosenExample());
            rows.add(p.rejectedExample());
        }
        Gpt2LMHeadModel model = policy();
        double nll = 0;
        int tokens = 0;
        for (CompletionExample e : rows) {
            int[] ids = e.tokens();
            double[][] logits = model.logits(ids);
            for (int t = e.prompt().length - 1; t < ids.length - 1; t++) {
                nll -= TrainerVectors.logSoftmax(logits[t])[ids[t + 1]];
                tokens++;
            }
        }
        double expected = nll / tokens;

        SftTrainer trainer = new SftTrainer(model, rows, SftConfig.trlDefaults(), MetricsSink.NONE);
        CompletionBatch batch = trainer.batch(rows);
        assertTrue(batch.batch().isPadded());
        Map<String, Double> metrics = trainer.step(List.of(batch));
        double rel = relative(metrics.get("loss"), expected);
        System.out.printf("SFT loss vs row-by-row float64 NLL: relative error %.3e%n", rel);
        assertTrue(rel <= 1e-12, "SFT loss " + metrics.get("loss") + " vs " + expected);
        assertEquals(tokens, batch.completionTokens());
        trainer.release();
        model.release();
    }
}
