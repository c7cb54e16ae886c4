package dev.rlhf4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Updates of a tensor's values in place that record nothing: optimizers, caches, weight mixing. */
final class InPlace {
    private InPlace() {
    }

    /** Copies {@code source}'s values into this tensor (same shape), converting the type. Records nothing. */
    static Tensor assign(Tensor t, Tensor source) {
        if (!Arrays.equals(source.shape(), t.shape())) {
            throw Shapes.mismatch("assign", t.shape(), source.shape(), "differ");
        }
        t.value().assign(source.value());
        return t;
    }

    /** {@code this += alpha * other}, in place, recording nothing. */
    static Tensor addScaled(Tensor t, Tensor other, double alpha) {
        if (!Arrays.equals(other.shape(), t.shape())) {
            throw Shapes.mismatch("addInPlace", t.shape(), other.shape(), "differ");
        }
        INDArray y = t.value();
        INDArray x = other.value();
        if (alpha == 1.0) {
            y.addi(x);
        } else if (x.dataType() == y.dataType() && x.dataType().isFPType() && ShapeOps.isContiguous(x) && ShapeOps.isContiguous(y)) {
            long[] flat = {y.length()};
            Nd4j.getBlasWrapper().axpy(alpha, x.reshape('c', flat), y.reshape('c', flat));   // one pass, no temporary
        } else {
            try (INDArray scaled = x.mul(alpha)) {
                y.addi(scaled);
            }
        }
        return t;
    }

    /** {@code this *= factor}, in place, recording nothing. */
    static Tensor scale(Tensor t, double factor) {
        t.value().muli(factor);
        return t;
    }

    /** Sets every element to {@code v}, in place. */
    static Tensor fill(Tensor t, double v) {
        t.value().assign(v);
        return t;
    }
}
