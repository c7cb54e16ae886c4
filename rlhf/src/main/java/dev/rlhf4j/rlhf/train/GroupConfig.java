package dev.rlhf4j.rlhf.train;

/**
 * What the group machinery ({@link GroupTrainer}) reads of {@link GrpoConfig} and {@link RlooConfig}: the concerns the
 * two configs share, and the weight of the KL to the reference.
 */
interface GroupConfig {
    Optimization optimization();

    GroupBatching batching();

    Sampling sampling();

    /** The weight of the KL to the reference; 0 holds and calls no reference. */
    double beta();
}
