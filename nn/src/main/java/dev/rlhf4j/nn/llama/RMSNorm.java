package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.Parameters;
import java.util.Map;

/**
 * Root-mean-square normalisation, {@code LlamaRMSNorm} (Zhang and Sennrich 2019), over the last dimension:
 * <pre>
 *   y = weight * x / sqrt(mean(x^2) + eps)
 * </pre>
 * No mean is subtracted and there is no bias. Written in primitives (mul, mean, add, pow), so backward is theirs;
 * half-precision weights are widened by those ops, so it computes in float32 (float64 in a float64 model).
 *
 * <p>Legend: ... leading dimensions, D the normalised width (C, or hs for Qwen3's q_norm / k_norm).
 */
public final class RMSNorm implements Module {
    private final Tensor weight;                 // (D)
    private final double eps;

    public RMSNorm(String name, long dim, double eps, DType type) {
        this.weight = Parameters.create(name + ".weight", type, dim);
        this.eps = eps;
        try (var s = NoGrad.enter()) {
            weight.fill(1.0);
        }
    }

    /** (..., D) to (..., D). */
    public Tensor forward(Tensor x) {
        Tensor variance = x.mul(x).mean(x.rank() - 1, true);             // (..., 1)
        Tensor normed = x.mul(variance.add(eps).pow(-0.5));               // (..., D)
        return normed.mul(weight);                                        // (..., D)
    }

    public Tensor weight() {
        return weight;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        out.put(weight.name(), weight);
    }
}
