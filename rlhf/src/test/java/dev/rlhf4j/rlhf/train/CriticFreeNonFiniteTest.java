package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * GRPO and RLOO under {@link NonFiniteGuard}: a step whose reward (and so loss) is NaN leaves the weights as they
 * were and is counted in {@code nonfinite} and {@code skipped_steps}; the next finite step trains again; NaN steps
 * {@code max_consecutive_nonfinite} in a row stop the run naming the step.
 */
class CriticFreeNonFiniteTest {
    /** Scores that differ within every group (so that a finite step moves the weights), or NaN while {@code poisoned[0]}. */
    private static NamedReward switchable(boolean[] poisoned) {
        return new NamedReward("switchable", batch -> {
            double[] s = new double[batch.size()];
            for (int b = 0; b < s.length; b++) {
                s[b] = poisoned[0] ? Double.NaN : (b * 7 + 3) % 5;
            }
            return Tensor.of(s, DType.FLOAT64, s.length);
        });
    }

    private interface Step extends Supplier<Map<String, Double>> {
    }

    @Test
    void grpoSkipsCountsAndStops() {
        boolean[] poisoned = {true};
        Gpt2LMHeadModel policy = GroupToy.model(5);
        GrpoConfig config = GrpoConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(8).numGenerations(4).maxCompletionLength(4)
                .learningRate(5e-3).maxGradNorm(null).numIterations(2).maxSteps(10).seed(11).build();
        GrpoTrainer trainer = new GrpoTrainer(policy, null, null, List.of(switchable(poisoned)), new double[] {1}, GroupToy.prompts(16, 1),
                config, MetricsSink.NONE);
        check(policy, poisoned, trainer::iterate, 2);
        trainer.release();
        policy.release();
    }

    @Test
    void rlooSkipsCountsAndStops() {
        boolean[] poisoned = {true};
        Gpt2LMHeadModel policy = GroupToy.model(9);
        RlooConfig config = RlooConfig.trlDefaults().toBuilder().perDeviceTrainBatchSize(8).numGenerations(4).maxCompletionLength(4)
                .beta(0.0).learningRate(5e-3).numIterations(2).maxSteps(10).seed(11).build();
        RlooTrainer trainer = new RlooTrainer(policy, null, null, List.of(switchable(poisoned)), new double[] {1}, GroupToy.prompts(16, 1),
                config, MetricsSink.NONE);
        check(policy, poisoned, trainer::iterate, 2);
        trainer.release();
        policy.release();
    }

    /** A poisoned step (its {@code perStep} optimizer steps skipped), a clean one, then poison until the guard stops the run. */
    private static void check(Gpt2LMHeadModel policy, boolean[] poisoned, Step step, int perStep) {
        double[] before = policy.namedParameters().get("transformer.h.0.mlp.c_fc.weight").toDoubleArray();
        Map<String, Double> m = step.get();
        assertArrayEquals(before, policy.namedParameters().get("transformer.h.0.mlp.c_fc.weight").toDoubleArray(),
                "a skipped step leaves the weights as they were");
        assertEquals(perStep, m.get("nonfinite"));
        assertEquals(perStep, m.get("skipped_steps"));
        poisoned[0] = false;
        m = step.get();
        assertEquals(0.0, m.get("nonfinite"));
        assertEquals(perStep, m.get("skipped_steps"), "the run's total is kept");
        assertFalse(Arrays.equals(before, policy.namedParameters().get("transformer.h.0.mlp.c_fc.weight").toDoubleArray()),
                "a finite step trains");
        poisoned[0] = true;
        step.get();
        step.get();
        NonFiniteGuard.NonFiniteStepException stop = assertThrows(NonFiniteGuard.NonFiniteStepException.class, step::get,
                "5 in a row (max_consecutive_nonfinite's default) stop the run");
        assertTrue(stop.getMessage().contains("max_consecutive_nonfinite = 5"), stop.getMessage());
        assertEquals(9, stop.step(), "optimizer steps 1-2 skipped, 3-4 trained, 5-9 skipped");
    }
}
