package dev.rlhf4j.nn;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.util.Map;

/** Layer normalisation over the last dimension with a gain and a bias (the fused core op). */
public final class LayerNorm implements Module {
    private final Tensor weight;                 // (C)
    private final Tensor bias;                   // (C)
    private final double eps;

    public LayerNorm(String name, long dim, double eps, DType type) {
        this.weight = Parameters.create(name + ".weight", type, dim);
        this.bias = Parameters.create(name + ".bias", type, dim);
        this.eps = eps;
        try (var s = dev.rlhf4j.core.NoGrad.enter()) {
            weight.fill(1.0);
        }
    }

    public Tensor forward(Tensor x) {
        return x.layerNorm(weight, bias, eps);  // (..., C)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        out.put(weight.name(), weight);
        out.put(bias.name(), bias);
    }
}
