/**
 * Training data: TRL's dataset shapes as JSON lines ({@link dev.rlhf4j.rlhf.data.JsonLines}, read strictly, each
 * error naming file, line and key), their text records, and {@link dev.rlhf4j.rlhf.data.ExampleTokenizer}, which
 * turns them into the trainers' token examples under {@link dev.rlhf4j.rlhf.data.TokenLimits}, counting every
 * truncation. The token examples ({@link dev.rlhf4j.rlhf.data.CompletionExample},
 * {@link dev.rlhf4j.rlhf.data.PreferenceExample}), their padded batches ({@link dev.rlhf4j.rlhf.data.CompletionBatch},
 * {@link dev.rlhf4j.rlhf.data.DpoBatch}) and the order an offline run visits them in
 * ({@link dev.rlhf4j.rlhf.data.TrainingPlan}) live here too, below the trainers, rollouts and rewards that share them.
 */
package dev.rlhf4j.rlhf.data;
