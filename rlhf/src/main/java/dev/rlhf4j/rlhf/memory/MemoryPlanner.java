package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.rlhf.memory.ActivationMemory.Head;
import dev.rlhf4j.rlhf.memory.Algorithm.Model;
import java.util.EnumMap;
import java.util.Map;

/**
 * The memory of one RLHF step, model by model: the seeds' computation flow of PPO (actor trained, critic trained,
 * reward frozen, reference frozen) and the fewer models of GRPO, RLOO, DPO and SFT ({@link Algorithm}).
 *
 * <p>Legend: N the actor's parameters ({@link ModelShape#numParameters}), N_trunk its trunk without the LM head,
 * C channels, r the LoRA rank, B the sequences of a step, T their positions; bytes per element from
 * {@link Precision} (w weights, g gradients, m each moment).
 * <pre>
 *   actor      weights (N + N_lora) w, gradients N_trained g, moments 2 N_trained m,  N_trained = N or N_lora (LoRA)
 *              activations of a training step, KV cache when it generates (RL algorithms)
 *   critic     the trunk and a value head (C weights + 1 bias), trained as the actor without LoRA
 *   reward     the trunk and a score head (C weights), frozen: weights and a no-grad pass only
 *   reference  by {@link ReferenceStrategy}: N w (copy), N 2 (half), the largest piece (offloaded),
 *              nothing (LoRA: the actor with its adapters off), B T 4 cached log-probs (precomputed)
 * </pre>
 * Weights, gradients and moments are exact counts of what rlhf4j allocates (a test builds the tiny models and
 * compares); activations and the KV cache follow {@link ActivationMemory}'s estimates.
 */
public final class MemoryPlanner {
    private static final int HALF_BYTES = 2;
    private static final int LOG_PROB_BYTES = 4;

    private MemoryPlanner() {
    }

    /** Every model's row, in the order actor, critic, reward, reference; absent models as absent rows. */
    public static MemoryPlan plan(Workload w) {
        Map<Model, MemoryRow> rows = new EnumMap<>(Model.class);
        rows.put(Model.ACTOR, actor(w));
        rows.put(Model.CRITIC, w.algorithm().has(Model.CRITIC) ? critic(w) : MemoryRow.absent("critic (none)"));
        rows.put(Model.REWARD, w.algorithm().has(Model.REWARD) ? reward(w) : MemoryRow.absent("reward (none)"));
        rows.put(Model.REFERENCE, w.algorithm().has(Model.REFERENCE) ? reference(w) : MemoryRow.absent("reference (none)"));
        return new MemoryPlan(w, rows);
    }

    /** The policy: fully trained, or a frozen base with trained LoRA adapters. */
    static MemoryRow actor(Workload w) {
        ModelShape s = w.model();
        Precision p = w.precision();
        long n = s.numParameters();
        long adapters = w.lora() ? s.loraParameters(w.loraRank()) : 0;
        long trained = w.lora() ? adapters : n;
        long activations = ActivationMemory.trainingStep(s, p, w.sequences(), w.seq(), Head.LANGUAGE_MODEL, w.loraRank());
        long kv = w.algorithm().generates() ? ActivationMemory.kvCache(s, p, w.batch(), w.seq()) : 0;
        String how = w.lora() ? "LoRA r=" + w.loraRank() + ", adapters trained" : "trained";
        return new MemoryRow("actor (policy, " + how + ")", true, n + adapters, trained, (n + adapters) * p.weightBytes(),
                trained * p.gradientBytes(), 2 * trained * p.momentBytes(), activations, kv);
    }

    /** PPO's value model: the trunk with a value head, every parameter trained. */
    static MemoryRow critic(Workload w) {
        Precision p = w.precision();
        long n = w.model().trunkParameters() + w.model().hidden() + 1;
        long activations = ActivationMemory.trainingStep(w.model(), p, w.sequences(), w.seq(), Head.VALUE, 0);
        return new MemoryRow("critic (value model, trained)", true, n, n, n * p.weightBytes(), n * p.gradientBytes(),
                2 * n * p.momentBytes(), activations, 0);
    }

    /** The reward model: the trunk with a score head, frozen. */
    static MemoryRow reward(Workload w) {
        Precision p = w.precision();
        long n = w.model().trunkParameters() + w.model().hidden();
        long activations = ActivationMemory.frozenPass(w.model(), p, w.sequences(), w.seq(), Head.SCORE);
        return new MemoryRow("reward (frozen)", true, n, 0, n * p.weightBytes(), 0, 0, activations, 0);
    }

    /** The reference of the KL penalty, held as {@link Workload#reference()} says. */
    static MemoryRow reference(Workload w) {
        ModelShape s = w.model();
        Precision p = w.precision();
        long n = s.numParameters();
        long pass = ActivationMemory.frozenPass(s, p, w.sequences(), w.seq(), Head.LANGUAGE_MODEL);
        String name = "reference (" + w.reference().description() + ")";
        return switch (w.reference()) {
            case COPY -> new MemoryRow(name, true, n, 0, n * p.weightBytes(), 0, 0, pass, 0);
            case HALF -> new MemoryRow(name, true, n, 0, n * HALF_BYTES, 0, 0, pass, 0);
            case OFFLOADED -> new MemoryRow(name, true, n, 0, s.largestPieceParameters() * p.weightBytes(), 0, 0, pass, 0);
            case LORA -> new MemoryRow(name, true, 0, 0, 0, 0, 0, pass, 0);
            case PRECOMPUTED -> new MemoryRow(name, true, 0, 0, (long) w.sequences() * w.seq() * LOG_PROB_BYTES, 0, 0, 0, 0);
        };
    }
}
