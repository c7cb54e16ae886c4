package dev.rlhf4j.nn.heads;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import java.util.Map;

/**
 * The PPO critic's head: one scalar value per token, {@code v = h w^T + b}, named as TRL's
 * {@code AutoModelForCausalLMWithValueHead} ({@code v_head.summary.weight} (1, C), {@code v_head.summary.bias} (1)).
 *
 * <p>Legend: B batch, T time, C channels.
 */
public final class ValueHead implements ScalarHead {
    private final Linear summary;                // torch.nn.Linear (1, C)

    public ValueHead(int nEmbd, DType type) {
        this.summary = new Linear("v_head.summary", Linear.Layout.TORCH_LINEAR, nEmbd, 1, true, type);
    }

    /** Weights N(0, std), bias 0 (TRL initialises with std 0.2 / sqrt(C) at most; small keeps early values near 0). */
    @Override
    public void initialize(TensorRandom random, double std) {
        Tensor w = random.normal(summary.weight().dtype(), 0.0, std, summary.weight().shape());
        summary.weight().assign(w);
        w.release();
        summary.bias().fill(0.0);
    }

    /** Hidden states (B, T, C) to values (B, T). */
    public Tensor forward(Tensor hidden) {
        return perPosition(hidden);
    }

    @Override
    public Tensor perPosition(Tensor hidden) {
        Tensor v = summary.forward(hidden);                                   // (B, T, 1)
        return v.reshape(hidden.size(0), hidden.size(1));                     // (B, T)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        summary.collectParameters(out);
    }
}
