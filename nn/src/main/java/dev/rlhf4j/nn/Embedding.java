package dev.rlhf4j.nn;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.util.Map;

/** A lookup table: integer ids (...) to rows of the weight (..., C). */
public final class Embedding implements Module {
    private final Tensor weight;                 // (num, C)

    public Embedding(String name, long num, long dim, DType type) {
        this.weight = Parameters.create(name + ".weight", type, num, dim);
    }

    public Tensor forward(Tensor ids) {
        return Tensor.embedding(weight, ids);   // (..., C)
    }

    public Tensor weight() {
        return weight;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        out.put(weight.name(), weight);
    }
}
