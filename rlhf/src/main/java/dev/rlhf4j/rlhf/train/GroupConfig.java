package dev.rlhf4j.rlhf.train;

/**
 * What the group machinery ({@link GroupTrainer}) reads of {@link GrpoConfig} and {@link RlooConfig}: TRL's names for
 * the batch, the generation, the KL weight and the optimizer, which the two configs share.
 */
interface GroupConfig {
    double learningRate();

    int perDeviceTrainBatchSize();

    int gradientAccumulationSteps();

    /** G completions per prompt. */
    int numGenerations();

    int maxCompletionLength();

    double temperature();

    /** The weight of the KL to the reference; 0 holds and calls no reference. */
    double beta();

    /** Optimizer steps per generation batch. */
    int numIterations();

    /** null: no clipping. */
    Double maxGradNorm();

    double weightDecay();

    long seed();

    int maxConsecutiveNonfinite();

    int localRolloutForwardBatchSize();

    /** Prompts per generation step. */
    int promptsPerStep();

    /** Generation steps for {@code prompts} prompts. */
    long iterations(int prompts);
}
