/**
 * The mathematics of RLHF on {@code Tensor}: per-token log-probs and entropy, KL estimators and controllers,
 * generalized advantage estimation and whitening, the PPO losses, the DPO family of preference losses, the
 * Bradley-Terry reward-model loss, reward shaping, masked reductions over response tokens and a per-token table
 * for debugging. {@link dev.rlhf4j.rlhf.train} holds the trainers, {@link dev.rlhf4j.rlhf.data} their datasets
 * (TRL's JSON-lines shapes) and {@link dev.rlhf4j.rlhf.run} their run folders, metrics, plots and progress bar.
 * {@link dev.rlhf4j.rlhf.assembly} puts a training run together (models, Spark, checkpoints, release order).
 * {@link dev.rlhf4j.rlhf.cli} is the {@code rlhf4j} command line, with its benchmarks in
 * {@link dev.rlhf4j.rlhf.cli.bench}.
 */
package dev.rlhf4j.rlhf;
