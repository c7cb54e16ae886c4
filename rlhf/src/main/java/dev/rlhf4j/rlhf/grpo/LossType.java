package dev.rlhf4j.rlhf.grpo;

import java.util.function.Supplier;

/** TRL's {@code loss_type} of GRPO: the name of a {@link LossAggregation} class. */
public enum LossType {
    GRPO(SequenceMeanAggregation::new),
    BNPO(TokenMeanAggregation::new),
    DR_GRPO(ConstantLengthAggregation::new),
    DAPO(GlobalTokenMeanAggregation::new);

    private final Supplier<LossAggregation> aggregation;

    LossType(Supplier<LossAggregation> aggregation) {
        this.aggregation = aggregation;
    }

    public LossAggregation aggregation() {
        return aggregation.get();
    }
}
