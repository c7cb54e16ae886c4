package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.rlhf.data.DpoBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trainer's own step on the {@code dpo} batch of {@code fixtures/trainer-vectors} (PyTorch, float64): the three
 * pairs batched and right-padded as the trainer batches them, through the fixture GPT-2s in float64, give the
 * recorded per-sequence log-probs, per-pair losses, loss, every TRL metric and the gradient of every policy
 * parameter to 1e-9 relative.
 */
class DpoTrainerFixtureTest {
    private static final double TOLERANCE = 1e-9;

    @Test
    void oneStepMatchesPyTorch() throws IOException, URISyntaxException {
        JsonNode dpo = vectors().get("dpo");
        List<PreferenceExample> pairs = new ArrayList<>();
        for (JsonNode p : dpo.get("pairs")) {
            pairs.add(new PreferenceExample(ints(p.get("prompt")), ints(p.get("chosen")), ints(p.get("rejected"))));
        }
        DpoConfig config = DpoConfig.trlDefaults().toBuilder()
                .beta(dpo.get("beta").asDouble())
                .lossType(DpoConfig.LossType.of(dpo.get("loss_type").asText()))
                .perDeviceTrainBatchSize(pairs.size())
                .build();
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        Gpt2LMHeadModel referenceWeights = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random-ref"), DType.FLOAT64);
        try (FrozenCopyReference reference = new FrozenCopyReference(referenceWeights);
             DpoTrainer trainer = DpoTrainer.of(policy, reference, config)) {
            referenceWeights.release();
            DpoBatch batch = trainer.batch(pairs);
            assertTrue(batch.rows().batch().isPadded(), "the pairs have different lengths: the batch is padded");
            assertEquals(2 * pairs.size(), batch.rows().size());
            DpoStep step = trainer.step(batch, 1.0);

            double worst = 0;
            worst = Math.max(worst, check("policy_chosen_logps", doubles(dpo.get("policy_chosen_logps")), step.policyChosenLogps()));
            worst = Math.max(worst, check("policy_rejected_logps", doubles(dpo.get("policy_rejected_logps")), step.policyRejectedLogps()));
            worst = Math.max(worst, check("reference_chosen_logps", doubles(dpo.get("reference_chosen_logps")), step.referenceChosenLogps()));
            worst = Math.max(worst, check("reference_rejected_logps", doubles(dpo.get("reference_rejected_logps")),
                    step.referenceRejectedLogps()));
            worst = Math.max(worst, check("losses", doubles(dpo.get("losses")), step.losses()));
            Map<String, Double> metrics = DpoStep.metrics(List.of(step));
            worst = Math.max(worst, check("loss", new double[] {dpo.get("loss").asDouble()}, new double[] {metrics.get("loss")}));
            int checkedMetrics = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = dpo.get("metrics").fields(); it.hasNext(); checkedMetrics++) {
                Map.Entry<String, JsonNode> e = it.next();
                assertNotNull(metrics.get(e.getKey()), "the trainer reports no metric " + e.getKey());
                worst = Math.max(worst, check(e.getKey(), new double[] {e.getValue().asDouble()}, new double[] {metrics.get(e.getKey())}));
            }
            assertEquals(8, checkedMetrics);
            System.out.printf("DPO fixture: max relative error of log-probs, losses and metrics %.3e%n", worst);

            Map<String, Tensor> parameters = policy.namedParameters();
            double worstGrad = 0;
            try (SafetensorsReader grads = SafetensorsReader.open(resource("dpo_grads.safetensors"))) {
                assertEquals(parameters.keySet(), grads.entries().keySet(), "a gradient for every policy parameter");
                for (String name : grads.entries().keySet()) {
                    Tensor expected = grads.read(name);
                    Tensor got = parameters.get(name).grad();
                    assertNotNull(got, name + " has no gradient");
                    assertArrayEquals(expected.shape(), got.shape(), name);
                    worstGrad = Math.max(worstGrad, check(name, expected.toDoubleArray(), got.toDoubleArray()));
                    expected.release();
                }
            }
            System.out.printf("DPO fixture: max relative error of the %d gradients %.3e%n", parameters.size(), worstGrad);
            policy.zeroGrad();
        }
        policy.release();
    }

    /**
     * Asserts each entry within {@link #TOLERANCE} relative, the scale being the entry's magnitude but at least 1e-4 of
     * the largest: entries that are 0 in exact arithmetic (the gradient of the attention's key bias, to which softmax is
     * blind, and of unused positions) come out of both PyTorch and this code as rounding noise near 1e-17, which
     * relative to itself means nothing. Returns the largest relative error.
     */
    private static double check(String what, double[] expected, double[] got) {
        assertEquals(expected.length, got.length, what + ": length");
        double largest = 0;
        for (double v : expected) {
            largest = Math.max(largest, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(Math.abs(expected[i]), 1e-4 * largest);
            double rel = scale == 0 ? Math.abs(got[i]) : Math.abs(got[i] - expected[i]) / scale;
            assertTrue(rel <= TOLERANCE, what + "[" + i + "]: expected " + expected[i] + ", got " + got[i] + " (relative error " + rel + ")");
            worst = Math.max(worst, rel);
        }
        return worst;
    }

    private static JsonNode vectors() throws IOException {
        try (InputStream in = DpoTrainerFixtureTest.class.getResourceAsStream("/fixtures/trainer-vectors/trainer_vectors.json")) {
            assertNotNull(in, "fixtures/trainer-vectors/trainer_vectors.json is missing from the test resources");
            return new ObjectMapper().readTree(in);
        }
    }

    private static Path resource(String file) throws URISyntaxException {
        return Path.of(DpoTrainerFixtureTest.class.getResource("/fixtures/trainer-vectors/" + file).toURI());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
