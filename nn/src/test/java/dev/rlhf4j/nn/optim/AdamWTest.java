package dev.rlhf4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import org.junit.jupiter.api.Test;

/** 10 AdamW steps on gpt2-tiny-random against torch.optim.AdamW's loss curve (adamw.json), as llm.c's test_gpt2. */
class AdamWTest {
    /**
     * The recorded losses are HF losses (computed after {@code logits.float()}), i.e. rounded to float32, and
     * the recorded run trained on those float32-rounded gradients; measured agreement is 2.3e-7 relative.
     */
    private static final double TOLERANCE = 1e-6;

    @Test
    void tenStepsReproducePyTorchLosses() {
        JsonNode ref = Fixtures.json("gpt2-tiny-random/adamw.json");
        Gpt2LMHeadModel model = Gpt2LMHeadModel.fromPretrained(Fixtures.path("gpt2-tiny-random"), DType.FLOAT64);
        AdamW opt = new AdamW(model, new AdamW.Config(ref.get("lr").asDouble(), ref.get("betas").get(0).asDouble(),
                ref.get("betas").get(1).asDouble(), ref.get("eps").asDouble(), ref.get("weight_decay").asDouble()));
        long[] ids = Fixtures.longs(ref.get("input_ids"));
        double[] expected = Fixtures.doubles(ref.get("loss_before_each_step"));
        double worst = 0;
        try {
            for (int step = 0; step < expected.length; step++) {
                try (Arena a = Arena.open()) {
                    Tensor loss = model.loss(Tensor.ofLongs(ids, 1, ids.length));
                    double value = loss.item();
                    worst = Math.max(worst, Math.abs(value - expected[step]) / expected[step]);
                    assertEquals(expected[step], value, TOLERANCE * expected[step], "loss before step " + step);
                    loss.backward();
                    opt.step();
                    opt.zeroGrad();
                }
            }
            try (Arena a = Arena.open()) {
                double after = model.loss(Tensor.ofLongs(ids, 1, ids.length)).item();
                double want = ref.get("loss_after_10_steps").asDouble();
                worst = Math.max(worst, Math.abs(after - want) / want);
                assertEquals(want, after, TOLERANCE * want, "loss after 10 steps");
            }
            System.out.printf("AdamW 10 steps: worst relative loss error %.3e%n", worst);
        } finally {
            opt.release();
            model.release();
        }
    }
}
