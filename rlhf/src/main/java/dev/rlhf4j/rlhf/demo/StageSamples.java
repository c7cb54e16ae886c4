package dev.rlhf4j.rlhf.demo;

import java.util.List;

/**
 * What the evaluation of one stage's policy produced: one completion per evaluation prompt (the same prompts, in
 * the same order, for every stage), its gold reward, its reward-model score, and the stage's mean KL divergence
 * to the reference (SFT) model, in nats per completion.
 *
 * @param stage "sft", "ppo" or "dpo"
 * @param prompts the evaluation prompts
 * @param completions the stage's completion of each prompt (decoded text)
 * @param goldRewards {@link GoldReward} of each completion
 * @param rmScores the reward model's score of each completion
 * @param klToReference mean over the completions of sum over tokens of log pi(y_t) - log pi_ref(y_t)
 */
public record StageSamples(String stage, List<String> prompts, List<String> completions, double[] goldRewards,
                           double[] rmScores, double klToReference) {

    public StageSamples {
        prompts = List.copyOf(prompts);
        completions = List.copyOf(completions);
        goldRewards = goldRewards.clone();
        rmScores = rmScores.clone();
        int n = prompts.size();
        if (n < 2) {
            throw new IllegalArgumentException("StageSamples '" + stage + "': at least 2 samples are needed for a confidence"
                    + " interval, got " + n);
        }
        if (completions.size() != n || goldRewards.length != n || rmScores.length != n) {
            throw new IllegalArgumentException("StageSamples '" + stage + "': " + n + " prompts but " + completions.size()
                    + " completions, " + goldRewards.length + " gold rewards and " + rmScores.length + " RM scores");
        }
        if (!Double.isFinite(klToReference)) {
            throw new IllegalArgumentException("StageSamples '" + stage + "': klToReference is " + klToReference);
        }
        requireFinite(stage, "goldRewards", goldRewards);
        requireFinite(stage, "rmScores", rmScores);
    }

    /** A stage evaluated with the gold reward computed here from its completions. */
    public static StageSamples scored(String stage, List<String> prompts, List<String> completions, double[] rmScores,
                                      double klToReference) {
        return new StageSamples(stage, prompts, completions, GoldReward.of(completions), rmScores, klToReference);
    }

    public int size() {
        return prompts.size();
    }

    @Override
    public double[] goldRewards() {
        return goldRewards.clone();
    }

    @Override
    public double[] rmScores() {
        return rmScores.clone();
    }

    static void requireFinite(String owner, String name, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(owner + ": " + name + "[" + i + "] is " + values[i]);
            }
        }
    }
}
