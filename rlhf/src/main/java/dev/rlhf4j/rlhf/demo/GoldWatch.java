package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;

/**
 * The reward model as PPO sees it, watched by the demo: each batch it scores is passed through unchanged, and the
 * {@link GoldReward} of the same completions, decoded, is noted on the side. PPO only ever receives the reward
 * model's scores; the gold figure exists for the over-optimisation plot (proxy and gold reward per iteration).
 */
public final class GoldWatch implements RewardFunction {
    private final RewardFunction rewardModel;
    private final Gpt2Tokenizer tokenizer;
    private double lastMeanGold = Double.NaN;

    public GoldWatch(RewardFunction rewardModel, Gpt2Tokenizer tokenizer) {
        this.rewardModel = rewardModel;
        this.tokenizer = tokenizer;
    }

    @Override
    public Tensor scores(CompletionBatch rollouts) {
        double sum = 0;
        for (int b = 0; b < rollouts.size(); b++) {
            int[] row = rollouts.batch().tokens(b);
            int from = rollouts.promptLengths()[b];
            sum += GoldReward.of(tokenizer.decode(Arrays.copyOfRange(row, from, from + rollouts.completionLengths()[b])));
        }
        lastMeanGold = sum / rollouts.size();
        return rewardModel.scores(rollouts);
    }

    /** The mean gold reward of the last batch scored (NaN before the first). */
    public double lastMeanGold() {
        return lastMeanGold;
    }
}
