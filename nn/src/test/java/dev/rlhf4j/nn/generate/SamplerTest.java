package dev.rlhf4j.nn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The processed distributions of temperature, top-k and top-p against hand-computed closed forms (HF's warper order). */
class SamplerTest {
    private static final double[] LOGITS = {2.0, 1.0, 0.0, -1.0, 1.0};

    private static GenerationConfig sampling(double temperature, int topK, double topP) {
        return GenerationConfig.sampling(1, temperature, topK, topP, -1, 99);
    }

    @Test
    void greedyReportsTheModelsLogProbability() {
        Sampler.Pick pick = new Sampler(GenerationConfig.greedy(1, -1)).pick(LOGITS);
        double z = Math.exp(2) + 2 * Math.exp(1) + Math.exp(0) + Math.exp(-1);
        assertEquals(0, pick.token());
        assertEquals(2 - Math.log(z), pick.logprob(), 1e-15);
    }

    @Test
    void temperatureTopKAndTopPGiveTheRenormalisedDistribution() {
        // temperature 0.5: z = (4, 2, 0, -2, 2). top-k 3 keeps 4, 2, 2 (tokens 0, 1, 4).
        // probabilities over {0, 1, 4}: e^4 / s, e^2 / s, e^2 / s with s = e^4 + 2 e^2: 0.787, 0.107, 0.107.
        // top-p 0.85: token 0 (mass before 0 < 0.85) and the first of the tied 2s (mass before 0.787 < 0.85)
        // are kept; the other 2 has 0.893 before it and is dropped. Renormalised over two tokens.
        Sampler sampler = new Sampler(sampling(0.5, 3, 0.85));
        double s2 = Math.exp(4) + Math.exp(2);
        int[] counts = new int[5];
        for (int i = 0; i < 4000; i++) {
            Sampler.Pick pick = sampler.pick(LOGITS);
            counts[pick.token()]++;
            double expected = pick.token() == 0 ? 4 - Math.log(s2) : 2 - Math.log(s2);
            assertEquals(expected, pick.logprob(), 1e-12, "token " + pick.token());
        }
        assertEquals(0, counts[2] + counts[3]);
        assertEquals(0, counts[1] * counts[4], "only one of the tied tokens survives top-p");
        double p0 = Math.exp(4) / s2;
        assertTrue(Math.abs(counts[0] / 4000.0 - p0) < 0.03, "frequency of token 0: " + counts[0] / 4000.0 + " vs " + p0);
    }

    @Test
    void topKOfOneIsGreedyWithLogProbabilityZero() {
        Sampler.Pick pick = new Sampler(sampling(1.3, 1, 1.0)).pick(LOGITS);
        assertEquals(0, pick.token());
        assertEquals(0.0, pick.logprob(), 0.0);
    }
}
