package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.nn.optim.SchedulerType;

/**
 * The setters of the {@link Adam} and {@link Schedule} hyper-parameters, for the configs that carry all of TRL's
 * {@code TrainingArguments} (SFT, reward).
 */
public abstract class TrainingArgumentsBuilder<R extends Record, B extends TrainingArgumentsBuilder<R, B>>
        extends DatasetConfigBuilder<R, B> {
    protected TrainingArgumentsBuilder(R from) {
        super(from);
    }

    public final B adamBeta1(double v) { return set("adamBeta1", v); }
    public final B adamBeta2(double v) { return set("adamBeta2", v); }
    public final B adamEpsilon(double v) { return set("adamEpsilon", v); }
    public final B lrSchedulerType(SchedulerType v) { return set("lrSchedulerType", v); }
    public final B warmupRatio(double v) { return set("warmupRatio", v); }
    public final B warmupSteps(int v) { return set("warmupSteps", v); }
}
