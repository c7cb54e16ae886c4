package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.rlhf.memory.MemoryPlan;
import dev.rlhf4j.rlhf.memory.MemoryPlanner;
import dev.rlhf4j.rlhf.memory.ModelShape;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.memory.Workload.Algorithm;
import dev.rlhf4j.rlhf.memory.Workload.Model;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a training command plans to hold in memory, checked against what the JVM lets ND4J allocate before a weight is
 * loaded: a run that cannot fit is refused with the numbers instead of dying of {@code OutOfMemoryError} (or
 * {@code std::bad_alloc}) minutes in.
 *
 * <p>The plan is {@link MemoryPlanner}'s total for the models the run loads, in float32 (the training commands load
 * every checkpoint in float32), with the sizes of {@code --model}'s {@code config.json} for all of them. Its batch is
 * the most sequences one pass takes (a PPO, GRPO or RLOO rollout is generated and scored as one batch; SFT, reward
 * and DPO go a micro-batch at a time) and its length the longest tokenised example, so it is an upper bound of one
 * step: the planner adds the activations of training and the KV cache of generation, which are not live at once.
 * The reward model of {@code reward} is planned as a trained model over its 2B chosen and rejected rows; PPO's critic
 * as a separate trunk even with {@code --critic shared}; LoRA adapters on all four GPT-2 linears of a block, whatever
 * {@code --lora-target-modules} picks.
 *
 * @param command        the command's name, for the message
 * @param algorithm      which models the planner counts ({@code reward} is planned as {@link Algorithm#SFT})
 * @param shape          the policy's sizes, read from its {@code config.json}
 * @param reference      how the reference is held; null when the run loads none (beta 0, reference-free DPO, SFT)
 * @param loraRank       the rank of the policy's LoRA adapters, 0 without them
 * @param loraOption     whether the command has {@code --lora-r} (then the refusal suggests it)
 * @param rewardModel    whether a reward model is loaded (GRPO and RLOO may score with rule rewards alone)
 * @param batch          sequences, or pairs for DPO, in the largest pass
 * @param seq            positions of the longest sequence
 * @param smallerBatch   the options that make the batch smaller, for the message
 */
public record MemoryCheck(String command, Algorithm algorithm, ModelShape shape, ReferenceKind reference, int loraRank,
                   boolean loraOption, boolean rewardModel, int batch, int seq, String smallerBatch) {

    /** The training commands' parameter type. */
    private static final DType TYPE = DType.FLOAT32;

    public MemoryCheck {
        seq = Math.min(seq, shape.positions());
    }

    /** The length of the longest of {@code sequences}, at least 1. */
    public static int longest(Iterable<int[]> sequences) {
        int n = 1;
        for (int[] s : sequences) {
            n = Math.max(n, s.length);
        }
        return n;
    }

    /** The length of the longest sequence of {@code pairs}: the prompt and the longer of chosen and rejected. */
    public static int longestPair(Iterable<PreferenceExample> pairs) {
        int n = 1;
        for (PreferenceExample p : pairs) {
            n = Math.max(n, p.prompt().length + Math.max(p.chosen().length, p.rejected().length));
        }
        return n;
    }

    /** The bytes the run plans to hold: the planner's rows of the models it loads, added up. */
    public long plannedBytes() {
        boolean hasReference = reference != null && algorithm.has(Model.REFERENCE);
        Workload.Reference held = hasReference ? planned(reference) : Workload.Reference.COPY;
        Workload.Reference actorView = loraRank > 0 ? Workload.Reference.LORA : held;
        MemoryPlan plan = MemoryPlanner.plan(workload(algorithm.has(Model.REFERENCE) ? actorView : null, loraRank));
        long bytes = plan.row(Model.ACTOR).total() + plan.row(Model.CRITIC).total();
        if (rewardModel) {
            bytes += plan.row(Model.REWARD).total();
        }
        if (hasReference) {
            // with LoRA and a copied reference, the actor's row is LoRA's and the reference's row the copy's
            MemoryPlan ofReference = held == actorView ? plan : MemoryPlanner.plan(workload(held, 0));
            bytes += ofReference.row(Model.REFERENCE).total();
        }
        return bytes;
    }

    /** Refuses the run when {@link #plannedBytes} exceeds {@link MemoryLimits#tensorBudget} of {@code limits}. */
    public void require(MemoryLimits limits) {
        long planned = plannedBytes();
        long budget = limits.tensorBudget();
        if (planned > budget) {
            throw new IllegalArgumentException(message(planned, budget, limits));
        }
    }

    private Workload workload(Workload.Reference ref, int rank) {
        return new Workload(shape, algorithm, TYPE, ref, ref == Workload.Reference.LORA ? rank : 0, batch, seq);
    }

    /** The planner's name for a {@code --reference} strategy. */
    public static Workload.Reference planned(ReferenceKind kind) {
        return switch (kind) {
            case FROZEN -> Workload.Reference.COPY;
            case BF16, FP16 -> Workload.Reference.HALF;
            case OFFLOADED -> Workload.Reference.OFFLOADED;
            case LORA_DISABLED -> Workload.Reference.LORA;
            case PRECOMPUTED -> Workload.Reference.PRECOMPUTED;
        };
    }

    private String message(long planned, long budget, MemoryLimits limits) {
        String limit = limits.physicalBound()
                ? "org.bytedeco.javacpp.maxphysicalbytes " + MemoryPlan.bytes(limits.physicalBytes()) + " less the "
                        + MemoryPlan.bytes(limits.heapBytes()) + " Java heap"
                : "org.bytedeco.javacpp.maxbytes " + MemoryPlan.bytes(limits.maxBytes());
        List<String> remedies = new ArrayList<>();
        remedies.add("raise the limit (RLHF4J_JAVA_OPTS=\"-Dorg.bytedeco.javacpp.maxbytes=" + gib(2 * planned)
                + " -Dorg.bytedeco.javacpp.maxphysicalbytes=" + gib(2 * planned + limits.heapBytes()) + "\" for ./rlhf4j)");
        remedies.add("lower " + smallerBatch);
        if (loraOption && loraRank == 0) {
            remedies.add("train LoRA adapters (--lora-r 8)");
        }
        if (reference == ReferenceKind.FROZEN) {
            remedies.add("hold the reference in half precision (--reference bf16) or offloaded (--reference offloaded)");
        }
        return String.format(Locale.ROOT, "%s plans %s (%d bytes) for one step of %s on %d %s of %d positions (./rlhf4j memory"
                        + " --model DIR --algo %s --batch %d --seq %d shows the rows), more than the %s (%d bytes) ND4J may allocate"
                        + " (%s): %s",
                command, MemoryPlan.bytes(planned), planned, shape.name(), batch, algorithm == Algorithm.DPO ? "pairs" : "sequences",
                seq, algorithm.label(), batch, seq, MemoryPlan.bytes(budget), budget, limit, String.join(", or ", remedies));
    }

    /** Bytes as a JavaCPP size, in whole gibibytes rounded up ({@code 17G}). */
    private static String gib(long bytes) {
        long g = (bytes + (1L << 30) - 1) >> 30;
        return Math.max(1, g) + "G";
    }
}
