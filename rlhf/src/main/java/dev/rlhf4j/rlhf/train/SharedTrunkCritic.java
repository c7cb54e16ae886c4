package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.heads.ValueHead;
import java.util.Arrays;
import java.util.Map;

/**
 * A value head on the actor's own trunk (TRL's legacy {@code AutoModelForCausalLMWithValueHead}): one forward of
 * the actor gives both the logits and, through {@code v_head}, the values. No second model is held; the value loss
 * backpropagates into the shared trunk, so policy and value objectives pull on the same weights (scaled by vf_coef).
 */
public final class SharedTrunkCritic implements Critic {
    private final ValueHead head;
    private final int nEmbd;

    /** A head of weights N(0, std), bias 0, in {@code type} for a trunk of {@code nEmbd} channels. */
    public SharedTrunkCritic(int nEmbd, DType type, TensorRandom random, double std) {
        this.nEmbd = nEmbd;
        this.head = new ValueHead(nEmbd, type);
        head.initialize(random, std);
    }

    @Override
    public Tensor values(PaddedBatch batch, Tensor actorHidden) {
        if (actorHidden == null || actorHidden.rank() != 3 || actorHidden.size(0) != batch.batchSize()
                || actorHidden.size(1) != batch.length() || actorHidden.size(2) != nEmbd) {
            throw new ShapeException("SharedTrunkCritic: needs the actor's hidden states (" + batch.batchSize() + ", " + batch.length()
                    + ", " + nEmbd + "), got " + (actorHidden == null ? "none" : Arrays.toString(actorHidden.shape())));
        }
        return Critic.predictingPositions(head.forward(actorHidden));                      // (B, T-1)
    }

    /** {@code v_head.summary.weight} and {@code .bias}. */
    @Override
    public Map<String, Tensor> trainableParameters() {
        return head.namedParameters();
    }

    @Override
    public boolean sharesActorTrunk() {
        return true;
    }

    @Override
    public void close() {
        head.release();
    }
}
