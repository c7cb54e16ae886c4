package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import java.util.Map;

/**
 * GPT-2's feed-forward block {@code mlp}: {@code c_proj(gelu_new(c_fc(x)))}.
 *
 * <p>Legend: B batch, T time, C channels, 4C the hidden width.
 */
public final class Mlp implements Module {
    private final Linear cFc;                    // (C, 4C)
    private final Linear cProj;                  // (4C, C)
    private final double residPdrop;

    public Mlp(String name, Gpt2Config config, DType type) {
        this.cFc = Linear.conv1d(name + ".c_fc", config.nEmbd(), config.nInner(), type);
        this.cProj = Linear.conv1d(name + ".c_proj", config.nInner(), config.nEmbd(), type);
        this.residPdrop = config.residPdrop();
    }

    /** (B, T, C) to (B, T, C); {@code dropout} is null in eval mode. */
    public Tensor forward(Tensor x, TensorRandom dropout) {
        Tensor h = cFc.forward(x).gelu();        // (B, T, 4C)
        Tensor y = cProj.forward(h);             // (B, T, C)
        if (dropout != null && residPdrop > 0) {
            y = y.dropout(residPdrop, dropout);
        }
        return y;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        cFc.collectParameters(out);
        cProj.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        cFc.collectLinears(out);
        cProj.collectLinears(out);
    }
}
