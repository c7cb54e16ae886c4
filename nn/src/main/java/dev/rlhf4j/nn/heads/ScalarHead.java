package dev.rlhf4j.nn.heads;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Module;

/**
 * A head that turns a trunk's hidden states into one number per position: the reward model's {@code score}
 * ({@link ScoreHead}, read at each row's last real token) and the critic's value head ({@link ValueHead}, read at
 * every completion token). Both sit on any family's {@link dev.rlhf4j.nn.model.DecoderModel}.
 *
 * <p>Legend: B batch, T time, C channels.
 */
public interface ScalarHead extends Module {
    /** A fresh head: weights N(0, std), bias (if any) 0. */
    void initialize(TensorRandom random, double std);

    /** One scalar per position: hidden states (B, T, C) to (B, T). */
    Tensor perPosition(Tensor hidden);
}
