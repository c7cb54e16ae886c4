package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * What the SFT loss promises, in float64 on a random toy GPT-2: padding changes neither the loss nor its gradient
 * (a padded batch is the token-weighted sum of its rows alone), and the prompt is not scored (moving a completion's
 * first token into the prompt removes exactly its -log p from the summed loss).
 */
class SftLossProperties {
    private static final Gpt2LMHeadModel MODEL = Toy.model(DType.FLOAT64, 21);
    private static final SftTrainer TRAINER = new SftTrainer(MODEL, List.of(new CompletionExample(new int[] {1}, new int[] {2})),
            SftConfig.trlDefaults(), MetricsSink.NONE);

    private static Map<String, double[]> gradients() {
        Map<String, double[]> out = new LinkedHashMap<>();
        MODEL.namedParameters().forEach((k, v) -> out.put(k, v.grad().toDoubleArray()));
        MODEL.zeroGrad();
        return out;
    }

    @Property(tries = 15)
    void aPaddedBatchIsTheTokenWeightedSumOfItsRowsAlone(@ForAll @IntRange(min = 2, max = 5) int rows, @ForAll long seed) {
        List<CompletionExample> data = Toy.completions(rows, new Random(seed));
        CompletionBatch batch = TRAINER.batch(data);
        int n = batch.completionTokens();
        double batchLoss = TRAINER.backward(batch, n).loss();
        Map<String, double[]> batchGrad = gradients();

        double weighted = 0;
        for (CompletionExample e : data) {
            double alone = TRAINER.backward(TRAINER.batch(List.of(e)), n).loss();          // accumulates n_r/n grad L_r
            weighted += alone;
        }
        Map<String, double[]> rowGrads = gradients();
        assertEquals(weighted, batchLoss, 1e-12 * Math.abs(batchLoss));
        for (Map.Entry<String, double[]> e : batchGrad.entrySet()) {
            double[] a = e.getValue();
            double[] b = rowGrads.get(e.getKey());
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(b[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(diff <= 1e-12 * Math.max(scale, 1e-3), e.getKey() + ": padded vs alone differ by " + diff + " (scale " + scale + ")");
        }
    }

    @Property(tries = 15)
    void promptTokensAreNotScored(@ForAll long seed) {
        Random random = new Random(seed);
        int[] prompt = Toy.tokens(1 + random.nextInt(4), random);
        int[] completion = Toy.tokens(2 + random.nextInt(5), random);
        CompletionExample e = new CompletionExample(prompt, completion);
        int[] longerPrompt = java.util.Arrays.copyOf(prompt, prompt.length + 1);
        longerPrompt[prompt.length] = completion[0];
        CompletionExample moved = new CompletionExample(longerPrompt, java.util.Arrays.copyOfRange(completion, 1, completion.length));

        double sum = TRAINER.backward(TRAINER.batch(List.of(e)), 1.0).loss();              // -sum logp over C tokens
        double sumMoved = TRAINER.backward(TRAINER.batch(List.of(moved)), 1.0).loss();     // over the last C-1
        MODEL.zeroGrad();
        double[] logits = MODEL.logits(longerPrompt)[prompt.length - 1];
        double nll = -TrainerVectors.logSoftmax(logits)[completion[0]];
        assertEquals(nll, sum - sumMoved, 1e-10 * Math.max(1, nll));
        assertTrue(nll > 0);
    }
}
