package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import java.util.Map;

/**
 * The gated feed-forward block {@code mlp}, SwiGLU (Shazeer 2020): {@code down_proj(silu(gate_proj(x)) * up_proj(x))},
 * silu(a) = a * sigmoid(a).
 *
 * <p>Legend: B batch, T time, C channels, I the intermediate width.
 */
public final class LlamaMLP implements Module {
    private final Linear gateProj;               // (I, C)
    private final Linear upProj;                 // (I, C)
    private final Linear downProj;               // (C, I)

    public LlamaMLP(String name, LlamaConfig config, DType type) {
        long c = config.hiddenSize();
        long i = config.intermediateSize();
        this.gateProj = new Linear(name + ".gate_proj", Linear.Layout.TORCH_LINEAR, c, i, config.mlpBias(), type);
        this.upProj = new Linear(name + ".up_proj", Linear.Layout.TORCH_LINEAR, c, i, config.mlpBias(), type);
        this.downProj = new Linear(name + ".down_proj", Linear.Layout.TORCH_LINEAR, i, c, config.mlpBias(), type);
    }

    /** (B, T, C) to (B, T, C). */
    public Tensor forward(Tensor x) {
        Tensor gate = gateProj.forward(x);                                // (B, T, I)
        Tensor h = gate.mul(gate.sigmoid()).mul(upProj.forward(x));       // (B, T, I)
        return downProj.forward(h);                                       // (B, T, C)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        gateProj.collectParameters(out);
        upProj.collectParameters(out);
        downProj.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        gateProj.collectLinears(out);
        upProj.collectLinears(out);
        downProj.collectLinears(out);
    }
}
