package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.assembly.RewardSpec;
import dev.rlhf4j.rlhf.reward.RuleRewards;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The rewards of {@code grpo} and {@code rloo} (TRL's {@code reward_funcs} and {@code reward_weights}), as a picocli
 * mixin: a trained reward model ({@code --reward-model DIR}, logged as {@code reward_model}) and/or built-in rule
 * rewards by name ({@code --reward-funcs length,eos}, see {@link RuleRewards}), combined with {@code --reward-weights}
 * (default: all 1), the model first ({@link RewardSpec}).
 */
final class RewardOptions {
    @Option(names = "--reward-model", converter = InputPaths.Directory.class, paramLabel = "DIR",
            description = "a reward model (GPT2ForSequenceClassification folder, e.g. a reward run's model/), logged as reward_model")
    Path rewardModel;

    @Option(names = "--reward-funcs", split = ",", paramLabel = "NAME",
            description = "built-in rule rewards on the decoded text: length (completion characters / 100), eos (1 if the completion"
                    + " ended with the end-of-text token); comma-separated")
    List<String> rewardFuncs = new ArrayList<>();

    @Option(names = "--reward-weights", split = ",", paramLabel = "W",
            description = "one weight per reward, the reward model first (TRL's reward_weights; default: all 1)")
    List<Double> rewardWeights;

    /** The rewards, checked. */
    RewardSpec spec() {
        return new RewardSpec(rewardModel, rewardFuncs, rewardWeights);
    }
}
