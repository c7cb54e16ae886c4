/**
 * The RLHF algorithms on {@code Tensor}: log-probs, KL estimators and controllers, advantage estimation,
 * PPO and DPO losses, reference-model strategies, trainers and the command-line pipeline.
 */
package dev.rlhf4j.rlhf;
