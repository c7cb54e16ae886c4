/**
 * Training data: TRL's dataset shapes as JSON lines ({@link dev.rlhf4j.rlhf.data.JsonLines}, read strictly, each
 * error naming file, line and key), their text records, and {@link dev.rlhf4j.rlhf.data.ExampleTokenizer}, which
 * turns them into the trainers' token examples under {@link dev.rlhf4j.rlhf.data.TokenLimits}, counting every
 * truncation.
 */
package dev.rlhf4j.rlhf.data;
