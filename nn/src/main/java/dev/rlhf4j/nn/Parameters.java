package dev.rlhf4j.nn;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;

/** Creates parameter leaves: trainable, named, and never owned by an arena (they live as long as the model). */
public final class Parameters {
    private Parameters() {
    }

    /** A zero-filled trainable parameter named {@code name}. */
    public static Tensor create(String name, DType type, long... shape) {
        if (Arena.isOpen()) {
            throw new IllegalStateException("parameter '" + name + "' would be created inside an Arena and freed when it"
                    + " closes; build models outside arenas");
        }
        if (!type.isFloating()) {
            throw new IllegalArgumentException("parameter '" + name + "': " + type + " is not a floating-point type");
        }
        return Tensor.zeros(type, shape).requiresGrad(true).named(name);
    }
}
