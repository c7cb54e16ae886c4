package dev.rlhf4j.rlhf.train;

/** The setters of the {@link GroupBatching}, {@link Sampling} and {@link ClipRange} hyper-parameters (GRPO, RLOO). */
public abstract class GroupConfigBuilder<R extends Record, B extends GroupConfigBuilder<R, B>> extends ConfigBuilder<R, B> {
    protected GroupConfigBuilder(R from) {
        super(from);
    }

    public final B perDeviceTrainBatchSize(int v) { return set("perDeviceTrainBatchSize", v); }
    public final B gradientAccumulationSteps(int v) { return set("gradientAccumulationSteps", v); }
    public final B numGenerations(int v) { return set("numGenerations", v); }
    public final B numIterations(int v) { return set("numIterations", v); }
    public final B numTrainEpochs(double v) { return set("numTrainEpochs", v); }
    public final B maxSteps(long v) { return set("maxSteps", v); }
    public final B seed(long v) { return set("seed", v); }
    public final B maxCompletionLength(int v) { return set("maxCompletionLength", v); }
    public final B temperature(double v) { return set("temperature", v); }
    public final B localRolloutForwardBatchSize(int v) { return set("localRolloutForwardBatchSize", v); }
    public final B epsilon(double v) { return set("epsilon", v); }
    public final B epsilonHigh(Double v) { return set("epsilonHigh", v); }
}
