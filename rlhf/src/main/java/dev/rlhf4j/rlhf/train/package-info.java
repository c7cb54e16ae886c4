/**
 * The trainers users run: SFT, reward model, PPO and DPO, each one class whose loop numbers its steps as the
 * papers do. The mathematics stays where it already lives ({@code logprob}, {@code kl}, {@code advantage},
 * {@code ppo}, {@code dpo}, {@code reward}); a trainer batches, calls it, steps the optimizer and reports metrics
 * with TRL's names through a {@link dev.rlhf4j.rlhf.train.MetricsSink}.
 *
 * <p>Each trainer's hyper-parameters are one record named after TRL's config ({@code SftConfig}, {@code PpoTrainerConfig},
 * ...), made of the concerns it shares with other trainers ({@link dev.rlhf4j.rlhf.train.Optimization},
 * {@link dev.rlhf4j.rlhf.train.Batching}, {@link dev.rlhf4j.rlhf.train.GroupBatching}, ...) and its own fields; each
 * record checks its own values. {@code trlDefaults()} is TRL's preset and {@code toBuilder()} changes a few values of
 * it. A choice is an enum; an unset value is {@code null}.
 */
package dev.rlhf4j.rlhf.train;
