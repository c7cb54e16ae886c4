package dev.rlhf4j.nn;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import java.util.function.DoubleSupplier;

/**
 * Central finite differences of a scalar loss with respect to single elements of a parameter: spot checks of a
 * whole model's gradients, where checking every element ({@code GradientCheck}) would take minutes.
 */
public final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /**
     * {@code (loss(p + h e) - loss(p - h e)) / 2h} for the element {@code flat} (row-major) of the 1-D or 2-D
     * parameter {@code p}, evaluated without recording a graph; the element is restored afterwards.
     */
    public static double at(Tensor p, long flat, double h, DoubleSupplier loss) {
        Tensor view = p.rank() == 2
                ? p.narrow(0, flat / p.size(1), 1).narrow(1, flat % p.size(1), 1)
                : p.narrow(0, flat, 1);
        double x = view.item();
        try (NoGrad ng = NoGrad.enter(); Arena eval = Arena.open()) {
            view.fill(x + h);
            double plus = loss.getAsDouble();
            view.fill(x - h);
            double minus = loss.getAsDouble();
            view.fill(x);
            return (plus - minus) / (2 * h);
        }
    }
}
