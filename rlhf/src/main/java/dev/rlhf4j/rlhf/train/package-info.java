/**
 * The trainers users run: SFT, reward model, PPO and DPO, each one class whose loop numbers its steps as the
 * papers do. The mathematics stays where it already lives ({@code logprob}, {@code kl}, {@code advantage},
 * {@code ppo}, {@code dpo}, {@code reward}); a trainer batches, calls it, steps the optimizer and reports metrics
 * with TRL's names through a {@link dev.rlhf4j.rlhf.train.MetricsSink}.
 */
package dev.rlhf4j.rlhf.train;
