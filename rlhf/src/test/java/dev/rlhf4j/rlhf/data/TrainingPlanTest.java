package dev.rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.nn.optim.SchedulerType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** HF Trainer's step arithmetic, the per-epoch order and the schedules. */
class TrainingPlanTest {

    @Property(tries = 60)
    void eachEpochVisitsEveryExampleOnceInStepsOfAtMostTheConfiguredSize(@ForAll @IntRange(min = 1, max = 40) int n,
            @ForAll @IntRange(min = 1, max = 9) int batch, @ForAll @IntRange(min = 1, max = 4) int accumulation,
            @ForAll @IntRange(min = 1, max = 3) int epochs, @ForAll long seed) {
        TrainingPlan plan = new TrainingPlan(n, batch, accumulation, epochs, -1);
        List<TrainingPlan.Step> steps = plan.steps(seed);
        int micro = (n + batch - 1) / batch;
        assertEquals((long) epochs * ((micro + accumulation - 1) / accumulation), steps.size());
        int perEpoch = plan.stepsPerEpoch();
        for (int e = 0; e < epochs; e++) {
            List<Integer> seen = new ArrayList<>();
            for (int s = 0; s < perEpoch; s++) {
                TrainingPlan.Step step = steps.get(e * perEpoch + s);
                assertTrue(step.microBatches().size() <= accumulation && !step.microBatches().isEmpty());
                assertEquals(s == perEpoch - 1, step.endsEpoch());
                assertEquals(e + (s + 1) / (double) perEpoch, step.epoch(), 1e-12);
                for (int[] m : step.microBatches()) {
                    assertTrue(m.length >= 1 && m.length <= batch);
                    Arrays.stream(m).forEach(seen::add);
                }
            }
            assertEquals(n, seen.size());
            assertEquals(n, seen.stream().distinct().count(), "each example once per epoch");
        }
        assertEquals(steps.size(), plan.steps(seed).size());
        assertArrayEquals(steps.get(0).microBatches().get(0), plan.steps(seed).get(0).microBatches().get(0), "the seed fixes the order");
    }

    @Test
    void maxStepsAndFractionalEpochsCountAsHfDoes() {
        assertEquals(7, new TrainingPlan(10, 4, 1, 3.0, 7).totalSteps(), "max_steps wins");
        List<TrainingPlan.Step> beyond = new TrainingPlan(10, 4, 1, 1.0, 7).steps(1);
        assertEquals(7, beyond.size(), "max_steps beyond one epoch runs on");
        assertEquals(2 + 1 / 3.0, beyond.get(6).epoch(), 1e-12);
        assertEquals(5, new TrainingPlan(10, 4, 1, 1.5, -1).totalSteps(), "ceil(1.5 * 3)");
        assertEquals(2, new TrainingPlan(10, 2, 3, 1.0, -1).stepsPerEpoch(), "5 micro-batches, 3 per step: 2 steps");
        assertThrows(IllegalArgumentException.class, () -> new TrainingPlan(0, 4, 1, 1.0, -1));
        assertThrows(IllegalArgumentException.class, () -> new TrainingPlan(4, 4, 1, 0.0, -1));
    }

    @Test
    void linearAndConstantSchedulesWithWarmup() {
        TrainingPlan plan = new TrainingPlan(10, 1, 1, 1.0, -1);
        LrSchedule linear = plan.schedule(SchedulerType.LINEAR, 1.0, 0.2, 0);
        assertEquals(0.0, linear.at(0), 0.0);
        assertEquals(0.5, linear.at(1), 1e-15);
        assertEquals(1.0, linear.at(2), 1e-15);
        assertEquals(0.125, linear.at(9), 1e-15);
        LrSchedule constant = plan.schedule(SchedulerType.CONSTANT, 1.0, 0.0, 4);
        assertEquals(0.25, constant.at(1), 1e-15);
        assertEquals(1.0, constant.at(9), 0.0);
        assertThrows(IllegalArgumentException.class, () -> plan.schedule(SchedulerType.LINEAR, 1.0, 0.0, 11));
    }
}
