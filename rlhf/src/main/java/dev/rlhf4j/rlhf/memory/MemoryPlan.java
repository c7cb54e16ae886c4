package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.rlhf.memory.Algorithm.Model;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The planner's answer: one {@link MemoryRow} per model of RLHF, in the order actor, critic, reward, reference,
 * and their column-wise total.
 *
 * @param workload what was planned
 * @param byModel every model's row, absent models included
 */
public record MemoryPlan(Workload workload, Map<Model, MemoryRow> byModel) {
    /** Bytes per trained parameter in the classic rule of thumb for mixed-precision Adam (ZeRO: 2 + 2 + 4 + 4 + 4). */
    public static final int RULE_OF_THUMB_TRAINED = 16;
    /** Bytes per frozen parameter in the rule of thumb: 16-bit weights. */
    public static final int RULE_OF_THUMB_FROZEN = 2;

    public MemoryPlan {
        if (!byModel.keySet().containsAll(List.of(Model.values()))) {
            throw new IllegalArgumentException("memory plan: needs a row for each of " + List.of(Model.values())
                    + ", got " + byModel.keySet());
        }
        byModel = java.util.Collections.unmodifiableMap(new EnumMap<>(byModel));
    }

    /** The row of {@code model}. */
    public MemoryRow row(Model model) {
        return byModel.get(model);
    }

    /** The rows in the table's order. */
    public List<MemoryRow> rows() {
        return List.copyOf(byModel.values());
    }

    /** Every row added up, column by column. */
    public MemoryRow total() {
        return MemoryRow.sum("total", byModel.values());
    }

    /** The rule of thumb's weights, gradients and moments of these models, to set beside {@code total().modelStates()}. */
    public long ruleOfThumbModelStates() {
        long bytes = 0;
        for (MemoryRow r : byModel.values()) {
            bytes += RULE_OF_THUMB_TRAINED * r.trainedParameters() + RULE_OF_THUMB_FROZEN * (r.parameters() - r.trainedParameters());
        }
        return bytes;
    }

    /** The aligned text table with its notes ({@link MemoryTable}). */
    public String table() {
        return MemoryTable.render(this);
    }
}
