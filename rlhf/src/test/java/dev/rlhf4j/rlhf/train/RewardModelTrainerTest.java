package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.reward.RewardModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reward-model trainer on a toy preference (chosen completions contain token 7, rejected ones do not): held-out
 * accuracy rises to at least 0.9, evaluation follows each epoch, the same seed replays the run, margins and
 * centering enter the loss as {@code BradleyTerryLoss} defines them.
 */
class RewardModelTrainerTest {
    private static final List<PreferenceExample> TRAIN = Toy.markedPairs(64, 1);
    private static final List<PreferenceExample> HELD_OUT = Toy.markedPairs(40, 2);

    private static RewardModel rewardModel(DType type) {
        Gpt2LMHeadModel lm = Toy.model(type, 11);
        RewardModel rm = RewardModel.fromLm(lm, 12);
        lm.release();
        return rm;
    }

    private static RewardConfig toyConfig() {
        return RewardConfig.trlDefaults().toBuilder().learningRate(1e-2).numTrainEpochs(6).build();
    }

    @Test
    void heldOutAccuracyRisesAboveNinetyPercent() {
        RewardModel rm = rewardModel(DType.FLOAT32);
        List<Map<String, Double>> reports = new ArrayList<>();
        RewardModelTrainer trainer = new RewardModelTrainer(rm, TRAIN, HELD_OUT, toyConfig(), Toy.collect(reports));
        RewardModelTrainer.Evaluation before = trainer.evaluate(HELD_OUT);
        trainer.train();
        RewardModelTrainer.Evaluation after = trainer.evaluate(HELD_OUT);
        System.out.printf("reward model on the toy preference: held-out accuracy %.3f -> %.3f, loss %.4f -> %.4f%n",
                before.accuracy(), after.accuracy(), before.loss(), after.loss());
        assertTrue(before.accuracy() < 0.8, "an untrained head is near chance: " + before.accuracy());
        assertTrue(after.accuracy() >= 0.9, "held-out accuracy " + after.accuracy());
        assertTrue(after.loss() < before.loss());

        assertEquals(48, reports.size(), "8 steps per epoch, 6 epochs");
        assertEquals(List.of("loss", "grad_norm", "learning_rate", "accuracy", "margin", "nonfinite", "skipped_steps", "tokens_per_second",
                "epoch"),
                List.copyOf(reports.get(0).keySet()));
        for (int i = 0; i < reports.size(); i++) {
            assertEquals(i % 8 == 7, reports.get(i).containsKey("eval_accuracy"), "evaluation after each epoch, step " + (i + 1));
        }
        Map<String, Double> last = reports.get(47);
        assertEquals(after.accuracy(), last.get("eval_accuracy"), 0.0);
        assertEquals(after.loss(), last.get("eval_loss"), 1e-12);
        assertEquals(6.0, last.get("epoch"), 0.0);
        assertTrue(last.get("margin") > reports.get(0).get("margin"));
        trainer.release();
        rm.release();
    }

    @Test
    void theSameSeedGivesTheSameMetrics() {
        List<List<Map<String, Double>>> runs = new ArrayList<>();
        for (long seed : new long[] {5, 5, 6}) {
            RewardModel rm = rewardModel(DType.FLOAT32);
            List<Map<String, Double>> reports = new ArrayList<>();
            RewardModelTrainer trainer = new RewardModelTrainer(rm, TRAIN.subList(0, 16), HELD_OUT.subList(0, 8),
                    toyConfig().toBuilder().numTrainEpochs(1).seed(seed).build(), Toy.collect(reports));
            trainer.train();
            runs.add(Toy.withoutTiming(reports));
            trainer.release();
            rm.release();
        }
        assertEquals(runs.get(0), runs.get(1));
        assertNotEquals(runs.get(0), runs.get(2));
    }

    /** With a margin m and centering c the step's loss is BradleyTerryLoss's on the batch's own scores. */
    @Test
    void marginsAndCenteringEnterTheLoss() {
        RewardModel rm = rewardModel(DType.FLOAT64);
        List<PreferenceExample> pairs = TRAIN.subList(0, 5);
        double[] margins = {0.5, 1.0, 0.0, 2.0, 0.25};
        RewardModelTrainer trainer = new RewardModelTrainer(rm, pairs, margins, List.of(),
                toyConfig().toBuilder().centerRewardsCoefficient(0.01).build(), MetricsSink.NONE);
        RewardModelTrainer.Forward f = trainer.backward(trainer.batch(pairs, margins), 1.0);
        double expected = 0;
        double center = 0;
        for (int i = 0; i < 5; i++) {
            double x = f.rewardsChosen()[i] - f.rewardsRejected()[i] - margins[i];
            expected += (x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x))) / 5;
            double s = f.rewardsChosen()[i] + f.rewardsRejected()[i];
            center += s * s / 5;
        }
        assertEquals(expected + 0.01 * center, f.loss(), 1e-12);
        // the scores are the rows' own: chosen row i alone gives r_c,i
        try (Arena arena = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor alone = rm.scores(CompletionBatch.of(List.of(pairs.get(3).chosenExample()), rm.padTokenId()));
            assertEquals(f.rewardsChosen()[3], alone.item(), 1e-12);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RewardModelTrainer(rm, pairs,
                new double[2], List.of(), toyConfig(), MetricsSink.NONE));
        assertTrue(e.getMessage().contains("2 margins for 5 pairs"), e.getMessage());
        trainer.release();
        rm.release();
    }
}
