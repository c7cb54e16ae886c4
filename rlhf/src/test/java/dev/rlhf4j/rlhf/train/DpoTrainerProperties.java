package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Identities of the trainer's step: while the policy is its own reference, every implicit reward is 0, so the sigmoid
 * loss (with any label smoothing) is ln 2 and the margins are 0, whatever the pairs and their padding (the accuracy of
 * such ties is decided by rounding noise, so it is not a property).
 */
class DpoTrainerProperties {
    private static Gpt2LMHeadModel policy;
    private static FrozenCopyReference reference;

    @BeforeContainer
    static void models() {
        policy = DpoToy.model(DType.FLOAT64, 21);
        reference = new FrozenCopyReference(policy);
    }

    @AfterContainer
    static void release() {
        reference.close();
        policy.release();
    }

    @Property(tries = 25)
    void thePolicyAsItsOwnReferenceGivesLn2AndNoMargin(@ForAll @IntRange(min = 1, max = 5) int pairs,
                                                        @ForAll @DoubleRange(min = 0.01, max = 2.0) double beta,
                                                        @ForAll @DoubleRange(min = 0.0, max = 0.45) double labelSmoothing,
                                                        @ForAll long seed) {
        DpoConfig config = DpoConfig.trlDefaults().toBuilder().beta(beta).labelSmoothing(labelSmoothing).build();
        List<PreferenceExample> data = DpoToy.randomPairs(pairs, new Random(seed));
        try (DpoTrainer trainer = DpoTrainer.of(policy, reference, config)) {
            DpoStep step = trainer.step(trainer.batch(data), 1.0);
            policy.zeroGrad();
            assertEquals(Math.log(2), step.loss(), 1e-12);
            for (int b = 0; b < pairs; b++) {
                assertEquals(Math.log(2), step.losses()[b], 1e-12);
                assertEquals(step.referenceChosenLogps()[b], step.policyChosenLogps()[b], 1e-12);
                assertEquals(0.0, step.chosenRewards()[b] - step.rejectedRewards()[b], 1e-12);
            }
            var metrics = DpoStep.metrics(List.of(step));
            assertEquals(0.0, metrics.get("rewards/margins"), 1e-12);
        }
    }
}
