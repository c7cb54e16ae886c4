package dev.rlhf4j.rlhf.train;

import static dev.rlhf4j.rlhf.train.HyperParameterCheck.require;

import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.nn.optim.SchedulerType;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import java.io.Serializable;

/**
 * The learning rate over a run, as TRL's {@code TrainingArguments} set it: a warm-up from 0 of {@code warmupSteps}
 * steps (or {@code warmupRatio} of the run), then the {@code lrSchedulerType} shape.
 *
 * @param lrSchedulerType {@code lr_scheduler_type}
 * @param warmupRatio     {@code warmup_ratio}: the fraction of the steps spent warming up
 * @param warmupSteps     {@code warmup_steps}: wins over the ratio when positive
 */
public record Schedule(SchedulerType lrSchedulerType, double warmupRatio, int warmupSteps) implements Serializable {

    public Schedule {
        require(lrSchedulerType != null && warmupRatio >= 0 && warmupRatio <= 1 && warmupSteps >= 0, "Schedule",
                "need warmup_ratio in [0, 1], warmup_steps >= 0 and a scheduler, got " + warmupRatio + ", " + warmupSteps
                        + ", " + lrSchedulerType);
    }

    /** TRL's default: linear decay, no warm-up. */
    public static Schedule trl() {
        return new Schedule(SchedulerType.LINEAR, 0.0, 0);
    }

    /** The learning rate of each step of {@code plan}, peaking at {@code learningRate}. */
    public LrSchedule over(TrainingPlan plan, double learningRate) {
        return plan.schedule(lrSchedulerType, learningRate, warmupRatio, warmupSteps);
    }
}
