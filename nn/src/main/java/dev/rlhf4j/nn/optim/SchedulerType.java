package dev.rlhf4j.nn.optim;

import java.util.Locale;

/**
 * The shape of the learning rate over a run, transformers' {@code SchedulerType} ({@code lr_scheduler_type}): the one
 * choice of schedule every trainer's config names. Both start with a linear warm-up from 0 to the peak.
 */
public enum SchedulerType {
    /** {@code get_linear_schedule_with_warmup}: 0 to the peak over the warmup, then linearly to 0 at the end. */
    LINEAR,
    /** {@code get_constant_schedule_with_warmup}: 0 to the peak over the warmup, then the peak. */
    CONSTANT;

    /** transformers' name: {@code linear}, {@code constant}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
