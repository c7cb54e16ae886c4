package dev.rlhf4j.nn.optim;

import dev.rlhf4j.core.Tensor;
import java.util.List;

/** Updates parameters in place from their accumulated gradients. */
public interface Optimizer {
    /** One update of every parameter that has a gradient; parameters without one are left alone. */
    void step();

    /** The parameters this optimizer updates. */
    List<Tensor> parameters();

    /** Forgets every parameter's gradient (call after {@link #step()}). */
    default void zeroGrad() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
        }
    }

    double learningRate();

    /** Sets the learning rate of the next steps (driven by an {@link LrSchedule}). */
    void setLearningRate(double lr);
}
