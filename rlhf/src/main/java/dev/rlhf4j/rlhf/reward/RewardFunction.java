package dev.rlhf4j.rlhf.reward;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.data.CompletionBatch;

/**
 * What an online trainer (PPO, GRPO, RLOO) asks of a reward: one score per prompt + completion row. A
 * trained reward model is one (read at the row's last real token); a rule written in Java is another, which is how
 * tests give PPO a reward it can trivially learn.
 */
@FunctionalInterface
public interface RewardFunction {
    /**
     * Scores each row of the batch, outside any autograd graph.
     *
     * @param rollouts prompts and completions (completions already cut after their EOS)
     * @return one score per row, float32 or float64   (B)
     */
    Tensor scores(CompletionBatch rollouts);
}
