package dev.rlhf4j.rlhf.train;

/** The setters of the {@link Batching} hyper-parameters, for the trainers on a fixed dataset (SFT, reward, DPO). */
public abstract class DatasetConfigBuilder<R extends Record, B extends DatasetConfigBuilder<R, B>> extends ConfigBuilder<R, B> {
    protected DatasetConfigBuilder(R from) {
        super(from);
    }

    public final B perDeviceTrainBatchSize(int v) { return set("perDeviceTrainBatchSize", v); }
    public final B gradientAccumulationSteps(int v) { return set("gradientAccumulationSteps", v); }
    public final B numTrainEpochs(double v) { return set("numTrainEpochs", v); }
    public final B maxSteps(int v) { return set("maxSteps", v); }
    public final B seed(long v) { return set("seed", v); }
}
