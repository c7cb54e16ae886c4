/**
 * Everything around a trainer that is not training: the run folder ({@link dev.rlhf4j.rlhf.run.RunFolder}: its
 * {@code config.json}, {@code metrics.jsonl} and saved models), the metric plots, the terminal progress bar, and
 * {@link dev.rlhf4j.rlhf.run.TrainingRun}, which bundles them for one command.
 */
package dev.rlhf4j.rlhf.run;
