package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.CompletionExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** SFT on a toy problem: the loss falls, the schedule and counters follow HF, accumulation equals one large batch. */
class SftTrainerTest {
    private static final List<CompletionExample> DATA = List.of(
            new CompletionExample(new int[] {1, 2, 3}, new int[] {20, 21, 22, 23, Toy.EOS}),
            new CompletionExample(new int[] {4, 5}, new int[] {30, 31, Toy.EOS}),
            new CompletionExample(new int[] {6}, new int[] {40, 41, 42, 43, 44, 45, Toy.EOS}),
            new CompletionExample(new int[] {8, 9, 10, 11}, new int[] {50, Toy.EOS}));

    private static SftConfig toyConfig(int maxSteps) {
        return SftConfig.trlDefaults().toBuilder().learningRate(1e-2).perDeviceTrainBatchSize(2).maxSteps(maxSteps).build();
    }

    private static List<Map<String, Double>> run(SftConfig config) {
        Gpt2LMHeadModel model = Toy.model(DType.FLOAT32, 1);
        List<Map<String, Double>> reports = new ArrayList<>();
        SftTrainer trainer = new SftTrainer(model, DATA, config, Toy.collect(reports));
        trainer.train();
        trainer.release();
        model.release();
        return reports;
    }

    @Test
    void lowersItsLossOnRepeatedExamplesAndReportsTrlMetricsEveryStep() {
        List<Map<String, Double>> reports = run(toyConfig(40).toBuilder().perDeviceTrainBatchSize(4).build());
        assertEquals(40, reports.size());
        assertEquals(List.of("loss", "grad_norm", "learning_rate", "num_tokens", "mean_token_accuracy", "nonfinite", "skipped_steps",
                "tokens_per_second", "epoch"),
                List.copyOf(reports.get(0).keySet()));
        double first = (reports.get(0).get("loss") + reports.get(1).get("loss")) / 2;
        double last = (reports.get(38).get("loss") + reports.get(39).get("loss")) / 2;
        assertTrue(first > 3.0, "starts near ln 64: " + first);
        System.out.printf("SFT on the toy problem: loss %.3f -> %.3f in 40 steps%n", first, last);
        assertTrue(last < 0.3 * first, "loss " + first + " -> " + last);
        assertTrue(reports.get(39).get("mean_token_accuracy") > reports.get(0).get("mean_token_accuracy"));
        // linear decay from the peak to 0 at step 40: the rate of step k (1-based) is lr (40 - (k-1)) / 40
        assertEquals(1e-2, reports.get(0).get("learning_rate"), 1e-15);
        assertEquals(1e-2 * 30 / 40, reports.get(10).get("learning_rate"), 1e-15);
        // one step per epoch
        assertEquals(1.0, reports.get(0).get("epoch"), 0.0);
        assertEquals(40.0, reports.get(39).get("epoch"), 0.0);
        // num_tokens counts every real token: one epoch is 3+5 + 2+3 + 1+7 + 4+2 = 27
        assertEquals(27.0 * 40, reports.get(39).get("num_tokens"), 0.0);
    }

    @Test
    void theSameSeedGivesTheSameMetricsAndAnotherSeedAnotherOrder() {
        List<Map<String, Double>> a = Toy.withoutTiming(run(toyConfig(6).toBuilder().seed(7).build()));
        List<Map<String, Double>> b = Toy.withoutTiming(run(toyConfig(6).toBuilder().seed(7).build()));
        List<Map<String, Double>> c = Toy.withoutTiming(run(toyConfig(6).toBuilder().seed(8).build()));
        assertEquals(0.5, a.get(0).get("epoch"), 0.0, "two steps per epoch");
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    /** HF's num_items_in_batch normalisation: two micro-batches of 2 give the step one batch of 4 gives. */
    @Test
    void gradientAccumulationIsTheTokenMeanOfTheWholeStep() {
        Gpt2LMHeadModel one = Toy.model(DType.FLOAT64, 3);
        Gpt2LMHeadModel two = Toy.model(DType.FLOAT64, 3);
        SftTrainer big = new SftTrainer(one, DATA, toyConfig(1).toBuilder().perDeviceTrainBatchSize(4).build(), MetricsSink.NONE);
        SftTrainer accumulated = new SftTrainer(two, DATA, toyConfig(1).toBuilder().perDeviceTrainBatchSize(2).gradientAccumulationSteps(2).build(), MetricsSink.NONE);
        Map<String, Double> m1 = big.step(List.of(big.batch(DATA)));
        Map<String, Double> m2 = accumulated.step(List.of(accumulated.batch(DATA.subList(0, 2)), accumulated.batch(DATA.subList(2, 4))));
        assertEquals(m1.get("loss"), m2.get("loss"), 1e-12 * m1.get("loss"));
        assertEquals(m1.get("grad_norm"), m2.get("grad_norm"), 1e-12 * m1.get("grad_norm"));
        assertEquals(m1.get("mean_token_accuracy"), m2.get("mean_token_accuracy"), 0.0);
        Map<String, Tensor> p2 = two.namedParameters();
        one.namedParameters().forEach((k, v) -> assertArrayEquals(v.toDoubleArray(), p2.get(k).toDoubleArray(), 1e-12, k));

        // the mean of the micro-batches' own means would differ: their completions have 8 and 9 tokens
        Gpt2LMHeadModel three = Toy.model(DType.FLOAT64, 3);
        SftTrainer perBatch = new SftTrainer(three, DATA, toyConfig(1), MetricsSink.NONE);
        double meanOfMeans = (perBatch.backward(perBatch.batch(DATA.subList(0, 2)), 8).loss()
                + perBatch.backward(perBatch.batch(DATA.subList(2, 4)), 9).loss()) / 2;
        assertTrue(Math.abs(meanOfMeans - m1.get("loss")) > 1e-6, meanOfMeans + " vs " + m1.get("loss"));
        perBatch.release();
        three.release();
        big.release();
        accumulated.release();
        one.release();
        two.release();
    }

    @Test
    void tooLongExamplesLoseThePromptFromTheLeftAndAreCounted() {
        Gpt2LMHeadModel model = Toy.model(DType.FLOAT32, 2);
        Random random = new Random(1);
        List<CompletionExample> data = List.of(new CompletionExample(Toy.tokens(30, random), Toy.tokens(5, random)),
                new CompletionExample(Toy.tokens(3, random), Toy.tokens(40, random)), DATA.get(0));
        SftTrainer trainer = new SftTrainer(model, data, toyConfig(1), MetricsSink.NONE);
        assertEquals(2, trainer.truncatedExamples());
        LengthLimit limit = LengthLimit.of(1024, 32);
        CompletionExample cut = limit.apply(data.get(0));
        assertEquals(27, cut.prompt().length);
        assertArrayEquals(java.util.Arrays.copyOfRange(data.get(0).prompt(), 3, 30), cut.prompt());
        assertArrayEquals(data.get(0).completion(), cut.completion());
        CompletionExample longCompletion = limit.apply(data.get(1));
        assertEquals(1, longCompletion.prompt().length);
        assertEquals(31, longCompletion.completion().length);
        assertEquals(data.get(1).prompt()[2], longCompletion.prompt()[0]);
        trainer.train();
        trainer.release();
        model.release();
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SftConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(0).build());
        assertTrue(e.getMessage().contains("per_device_train_batch_size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SftConfig.trlDefaults().toBuilder().numTrainEpochs(0).maxSteps(-1).build());
        assertTrue(e.getMessage().contains("num_train_epochs"), e.getMessage());
        Gpt2LMHeadModel model = Toy.model(DType.FLOAT32, 2);
        e = assertThrows(IllegalArgumentException.class, () -> new SftTrainer(model, List.of(), SftConfig.trlDefaults(), MetricsSink.NONE));
        assertTrue(e.getMessage().contains("no training examples"), e.getMessage());
        model.release();
    }
}
