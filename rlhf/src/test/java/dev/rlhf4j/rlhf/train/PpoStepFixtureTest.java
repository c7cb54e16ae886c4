package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trainer's own minibatch policy step against PyTorch: the {@code ppo} entry of the trainer vectors (gpt2-tiny-random
 * in float64, two rollouts of different lengths, padded as the trainer pads them) gives the clipped-surrogate loss, the
 * new log-probs, clipfrac, approxkl, the mean ratio and the gradient of the loss w.r.t. every policy parameter.
 */
class PpoStepFixtureTest {
    private static final double RELATIVE = 1e-9;

    @Test
    void thePolicyStepMatchesTrlToTheNinthDigit() throws IOException, URISyntaxException {
        JsonNode ppo;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/trainer-vectors/trainer_vectors.json")) {
            assertNotNull(in, "fixtures/trainer-vectors/trainer_vectors.json is missing from the test resources");
            ppo = new ObjectMapper().readTree(in).get("ppo");
        }
        Gpt2LMHeadModel policy = Gpt2LMHeadModel.fromPretrained(dev.rlhf4j.nn.Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        int eos = policy.config().eosTokenId();
        List<PpoRollout> rows = new ArrayList<>();
        List<int[]> queries = new ArrayList<>();
        for (JsonNode r : ppo.get("rollouts")) {
            int[] query = ints(r.get("query"));
            int[] response = ints(r.get("response"));
            queries.add(query);
            double[] zeros = new double[response.length];
            rows.add(new PpoRollout(new CompletionExample(query, response), doubles(r.get("old_logprobs")), zeros,
                    doubles(r.get("advantages")), zeros));
        }
        PpoTrainerConfig config = PpoTrainerConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(2).responseLength(8).temperature(1.0)
                .stopTokenId(eos).build();
        assertEquals(ppo.get("cliprange").asDouble(), config.loss().cliprange());
        try (SharedTrunkCritic critic = new SharedTrunkCritic(32, DType.FLOAT64, new TensorRandom(1), 0.02);
             FrozenCopyReference reference = new FrozenCopyReference(policy);
             SafetensorsReader grads = SafetensorsReader.open(resource("/fixtures/trainer-vectors/ppo_grads.safetensors"))) {
            PpoTrainer trainer = new PpoTrainer(policy, null, critic, reference, b -> Tensor.zeros(DType.FLOAT64, b.size()), queries,
                    config, MetricsSink.NONE);
            try (Arena a = Arena.open()) {
                PpoRollout.Minibatch batch = PpoRollout.Minibatch.of(rows, eos, DType.FLOAT64);
                PpoTrainer.PolicyStep step = trainer.policyStep(batch);
                step.loss().backward();

                close(ppo.get("pg_loss").asDouble(), step.loss().item(), "pg_loss");
                JsonNode metrics = ppo.get("metrics");
                close(metrics.get("policy/clipfrac").asDouble(), step.clipFraction(), "policy/clipfrac");
                close(metrics.get("policy/approxkl").asDouble(), step.approxKl(), "policy/approxkl");
                close(metrics.get("val/ratio").asDouble(), step.ratio(), "val/ratio");
                double[] logp = step.logProbs().toDoubleArray();
                int w = batch.batch().batch().length() - 1;
                for (int b = 0; b < rows.size(); b++) {
                    double[] want = doubles(ppo.get("new_logprobs").get(b));
                    for (int j = 0; j < want.length; j++) {
                        close(want[j], logp[b * w + queries.get(b).length - 1 + j], "new_logprobs[" + b + "][" + j + "]");
                    }
                }
                Map<String, Tensor> params = policy.namedParameters();
                double worst = 0;
                assertEquals(grads.entries().keySet(), params.keySet(), "a gradient for every parameter, by HF name");
                for (String name : grads.entries().keySet()) {
                    double[] want = grads.read(name).toDoubleArray();
                    double[] got = params.get(name).grad().toDoubleArray();
                    double scale = 0;
                    for (double v : want) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    for (int i = 0; i < want.length; i++) {
                        double err = Math.abs(got[i] - want[i]);
                        worst = Math.max(worst, err / Math.max(Math.abs(want[i]), 1e-3 * scale));
                        assertTrue(err <= RELATIVE * Math.abs(want[i]) + 1e-12 * scale,
                                name + "[" + i + "]: " + got[i] + " vs " + want[i]);
                    }
                }
                System.out.printf("PPO step vs TRL: pg_loss rel err %.3e, worst gradient rel err %.3e (entries above 1e-3 of their"
                        + " tensor's largest) over %d tensors%n", Math.abs(step.loss().item() / ppo.get("pg_loss").asDouble() - 1), worst,
                        params.size());
            }
            trainer.release();
        }
        policy.release();
    }

    private static void close(double want, double got, String what) {
        assertEquals(want, got, RELATIVE * Math.abs(want), what);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PpoStepFixtureTest.class.getResource(name).toURI());
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }
}
