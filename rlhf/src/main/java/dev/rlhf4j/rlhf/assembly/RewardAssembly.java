package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.spark.SparkGradients;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.train.RewardConfig;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A {@code reward} run ({@link RewardModelTrainer}): {@code {"prompt", "chosen", "rejected"}} lines, the causal LM of
 * {@code --model} with a new score head, completions ending with EOS as PPO's do when they are scored. Held-out pairs
 * come from {@code evalData} or a seeded {@code evalFraction} of the data. With {@code --master} each step's
 * micro-batches are computed on Spark's executors ({@link SparkGradients#reward}).
 */
public final class RewardAssembly {
    private RewardAssembly() {
    }

    /** Trains; {@code evalData} and {@code evalFraction} may both be null, not both set. */
    public static void train(RunInputs inputs, RewardConfig config, Path evalData, Double evalFraction) {
        if (evalData != null && evalFraction != null) {
            throw new IllegalArgumentException("give --eval-data or --eval-fraction, not both");
        }
        try (Assembly a = new Assembly(inputs, "reward")) {
            int length = Math.min(config.maxLength(), a.config().maxPositions());
            ExampleTokenizer examples = a.examples(new TokenLimits(length - 1, length, true));
            Tokenized<PreferenceExample> data = Assembly.report("data", inputs.data(), examples.preferences(JsonLines.readPreferences(inputs.data())));
            // chosen and rejected rows go through one pass: a trained model over 2B sequences
            new MemoryCheck("reward", Workload.Algorithm.SFT, a.shape(), null, 0, false, false,
                    2 * Math.min(config.batching().perDeviceTrainBatchSize(), data.size()), MemoryCheck.longestPair(data.examples()),
                    "--per-device-train-batch-size or --max-length").require(MemoryLimits.current());
            RewardModel model = a.rewardModelToTrain(config.batching().seed());
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            sections.put("data", Assembly.dataSection(inputs.data(), data));
            List<PreferenceExample> train = data.examples();
            List<PreferenceExample> heldOut = List.of();
            if (evalData != null) {
                Tokenized<PreferenceExample> eval = Assembly.report("eval data", evalData, examples.preferences(JsonLines.readPreferences(evalData)));
                sections.put("eval_data", Assembly.dataSection(evalData, eval));
                heldOut = eval.examples();
            } else if (evalFraction != null) {
                List<List<PreferenceExample>> split = split(train, evalFraction, config.batching().seed());
                train = split.get(0);
                heldOut = split.get(1);
                Map<String, Object> evalSplit = new LinkedHashMap<>();         // ordered: config.json is the same bytes every run
                evalSplit.put("eval_fraction", evalFraction);
                evalSplit.put("train_pairs", train.size());
                evalSplit.put("eval_pairs", heldOut.size());
                sections.put("eval_split", evalSplit);
                System.out.println("held out " + heldOut.size() + " of " + data.size() + " pairs (--eval-fraction " + evalFraction + ")");
            }
            long steps = config.batching().plan(train.size()).totalSteps();
            List<PreferenceExample> trainPairs = train;
            List<PreferenceExample> evalPairs = heldOut;
            a.train(config.batching().seed(), steps, sections, run -> new RewardModelTrainer(model, trainPairs, evalPairs, config, run.sink()),
                    (cluster, trainer) -> {
                        var shards = SparkGradients.reward(cluster, model, config);
                        trainer.useGradients(shards);
                        return shards;
                    });
        }
    }

    /**
     * {@code pairs} split into training and held-out pairs: a permutation drawn from {@code seed}, its first
     * {@code round(fraction * n)} (at least one) held out, the rest kept in file order.
     */
    public static List<List<PreferenceExample>> split(List<PreferenceExample> pairs, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("--eval-fraction must lie strictly between 0 and 1, got " + fraction);
        }
        int held = (int) Math.max(1, Math.round(fraction * pairs.size()));
        if (held >= pairs.size()) {
            throw new IllegalArgumentException("--eval-fraction " + fraction + " of " + pairs.size() + " pairs leaves none to train on");
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        boolean[] isHeld = new boolean[pairs.size()];
        order.subList(0, held).forEach(i -> isHeld[i] = true);
        List<PreferenceExample> train = new ArrayList<>();
        List<PreferenceExample> eval = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            (isHeld[i] ? eval : train).add(pairs.get(i));
        }
        return List.of(train, eval);
    }
}
