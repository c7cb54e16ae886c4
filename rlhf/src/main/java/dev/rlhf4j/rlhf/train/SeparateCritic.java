package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.heads.ValueHead;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.DecoderModel;
import dev.rlhf4j.nn.model.ModelFamily;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A critic that is a language model of its own: a trunk and a value head (TRL's {@code value_model}, which TRL loads from the
 * reward model's checkpoint: the reward model's trunk, and its {@code score} weight as the value head). It costs a
 * second trunk of weights and its own forward pass; in exchange policy and value do not compete for one trunk.
 * The critic owns a copy of the trunk it is given, so training it never moves the frozen reward model.
 * Parameter names are the trunk's and {@code v_head.summary.*}, under {@link #PREFIX}.
 */
public final class SeparateCritic implements Critic {
    /** Prefix of the critic's parameter names, keeping them apart from the actor's. */
    public static final String PREFIX = "critic.";

    private final DecoderModel trunk;
    private final ValueHead head;

    private SeparateCritic(DecoderModel trunk, ValueHead head) {
        this.trunk = trunk;
        this.head = head;
        trunk.eval();
    }

    /**
     * A critic initialised from a reward model: a copy of its trunk and, as the value head's weight, its
     * {@code score.weight} (1, C); the head's bias starts at 0.
     */
    public static SeparateCritic fromRewardModel(DecoderModel rewardTrunk, Tensor scoreWeight) {
        long c = rewardTrunk.config().hiddenSize();
        if (scoreWeight.rank() != 2 || scoreWeight.size(0) != 1 || scoreWeight.size(1) != c) {
            throw new ShapeException("SeparateCritic: the score weight must be (1, " + c + "), got " + Arrays.toString(scoreWeight.shape()));
        }
        SeparateCritic critic = new SeparateCritic(copy(rewardTrunk), new ValueHead((int) c, rewardTrunk.dtype()));
        try (NoGrad ng = NoGrad.enter()) {
            Map<String, Tensor> p = critic.head.namedParameters();
            p.get("v_head.summary.weight").assign(scoreWeight);
            p.get("v_head.summary.bias").fill(0.0);
        }
        return critic;
    }

    /** A critic on a copy of {@code trunk} (e.g. the policy's) with a fresh head N(0, std), bias 0. */
    public static SeparateCritic withNewHead(DecoderModel trunk, TensorRandom random, double std) {
        SeparateCritic critic = new SeparateCritic(copy(trunk), new ValueHead(trunk.config().hiddenSize(), trunk.dtype()));
        critic.head.initialize(random, std);
        return critic;
    }

    private static DecoderModel copy(DecoderModel source) {
        ModelFamily family = AutoModel.family(source.config());
        DecoderModel trunk = family.newModel(PREFIX + family.basePrefix(), source.config(), source.dtype());
        Map<String, Tensor> from = source.namedParameters();
        Map<String, Tensor> to = trunk.namedParameters();
        if (from.size() != to.size()) {
            throw new IllegalArgumentException("SeparateCritic: the trunk has " + from.size() + " parameters, a trunk of its config " + to.size());
        }
        try (NoGrad ng = NoGrad.enter()) {
            var target = to.values().iterator();
            for (Tensor t : from.values()) {
                target.next().assign(t);
            }
        }
        trunk.unfreeze();
        return trunk;
    }

    @Override
    public Tensor values(PaddedBatch batch, Tensor actorHidden) {
        Tensor hidden = trunk.forward(batch);                                              // (B, T, C)
        return Critic.predictingPositions(head.forward(hidden));                           // (B, T-1)
    }

    /** The trunk's and the head's parameters, named {@code critic.transformer.*} and {@code critic.v_head.summary.*}. */
    @Override
    public Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>(trunk.namedParameters());
        head.namedParameters().forEach((name, t) -> out.put(PREFIX + name, t));
        return out;
    }

    @Override
    public boolean sharesActorTrunk() {
        return false;
    }

    @Override
    public void close() {
        trunk.release();
        head.release();
    }
}
