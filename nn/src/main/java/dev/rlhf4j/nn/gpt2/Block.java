package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.LayerNorm;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.model.KvCache;
import java.util.Map;

/**
 * One pre-norm transformer block {@code h.i}: {@code x + attn(ln_1(x))}, then {@code x + mlp(ln_2(x))}.
 *
 * <p>Legend: B batch, T time, Tk key positions, C channels.
 */
public final class Block implements Module {
    private final LayerNorm ln1;
    private final CausalSelfAttention attn;
    private final LayerNorm ln2;
    private final Mlp mlp;

    public Block(String name, int layer, Gpt2Config config, DType type) {
        this.ln1 = new LayerNorm(name + ".ln_1", config.nEmbd(), config.layerNormEpsilon(), type);
        this.attn = new CausalSelfAttention(name + ".attn", layer, config, type);
        this.ln2 = new LayerNorm(name + ".ln_2", config.nEmbd(), config.layerNormEpsilon(), type);
        this.mlp = new Mlp(name + ".mlp", config, type);
    }

    /** (B, T, C) to (B, T, C); {@code bias} is (B or 1, 1, T, Tk) or null, see {@link CausalSelfAttention#forward}. */
    public Tensor forward(Tensor x, Tensor bias, KvCache cache, TensorRandom dropout) {
        x = x.add(attn.forward(ln1.forward(x), bias, cache, dropout));     // (B, T, C)
        return x.add(mlp.forward(ln2.forward(x), dropout));               // (B, T, C)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        ln1.collectParameters(out);
        attn.collectParameters(out);
        ln2.collectParameters(out);
        mlp.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        attn.collectLinears(out);
        mlp.collectLinears(out);
    }
}
