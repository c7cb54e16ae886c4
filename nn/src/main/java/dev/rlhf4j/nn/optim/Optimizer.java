package dev.rlhf4j.nn.optim;

/** Updates parameters in place from their accumulated gradients. */
public interface Optimizer {
    /** One update of every parameter that has a gradient; parameters without one are left alone. */
    void step();

    /** Forgets every parameter's gradient (call after {@link #step()}). */
    void zeroGrad();

    double learningRate();

    /** Sets the learning rate of the next steps (driven by an {@link LrSchedule}). */
    void setLearningRate(double lr);
}
