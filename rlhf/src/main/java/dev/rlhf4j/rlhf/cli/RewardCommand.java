package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.spark.RewardGradientReplica;
import dev.rlhf4j.rlhf.spark.SparkCluster;
import dev.rlhf4j.rlhf.spark.SparkGradients;
import dev.rlhf4j.rlhf.train.PreferenceExample;
import dev.rlhf4j.rlhf.train.RewardConfig;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./rlhf4j reward --model DIR --data FILE.jsonl}: trains a reward model ({@link RewardModelTrainer}) on
 * {@code {"prompt", "chosen", "rejected"}} lines, starting from the causal LM in {@code --model} (usually the SFT
 * model) with a new score head. Completions end with EOS, as PPO's completions do when the reward model scores them.
 * Held-out pairs come from {@code --eval-data} or a seeded {@code --eval-fraction} of the data; their accuracy is
 * reported after each epoch. The model is saved as a {@code GPT2ForSequenceClassification} folder in
 * {@code <run>/model/}, ready for {@code ppo --reward-model}. With {@code --master} each step's micro-batches are
 * computed on a Spark cluster's executors ({@link RewardGradientReplica}) with the metrics of the run without it.
 */
@Command(name = "reward", sortOptions = false,
        description = "Train a reward model on prompt/chosen/rejected JSON lines (TRL's RewardTrainer).")
public final class RewardCommand implements Callable<Integer> {
    static final HyperParameters<RewardConfig> HYPER = new HyperParameters<>(RewardConfig.trlDefaults(), Set.of());

    @Mixin
    TrainingOptions options;

    @Option(names = "--eval-data", converter = InputPaths.File.class, paramLabel = "FILE.jsonl", description = "held-out preference pairs")
    Path evalData;

    @Option(names = "--eval-fraction", paramLabel = "X",
            description = "hold out this fraction of --data instead, drawn with --seed (default: no held-out pairs)")
    Double evalFraction;

    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

    /** The command with an option for every {@link RewardConfig} field. */
    static CommandSpec command() {
        return HYPER.addTo(CommandSpec.forAnnotatedObject(new RewardCommand()));
    }

    @Override
    public Integer call() {
        RewardConfig config = HYPER.resolve(spec, Map.of());
        if (evalData != null && evalFraction != null) {
            throw new IllegalArgumentException("give --eval-data or --eval-fraction, not both");
        }
        ModelConfig modelConfig = options.config();
        Gpt2Tokenizer tokenizer = options.tokenizer(modelConfig);
        int length = Math.min(config.maxLength(), modelConfig.maxPositions());
        ExampleTokenizer examples = new ExampleTokenizer(tokenizer, new TokenLimits(length - 1, length, true));
        Tokenized<PreferenceExample> data = TrainingOptions.report("data", options.data,
                examples.preferences(JsonLines.readPreferences(options.data)));
        // chosen and rejected rows go through one pass: a trained model over 2B sequences
        new MemoryCheck("reward", Workload.Algorithm.SFT, options.shape(modelConfig), null, 0, false, false,
                2 * Math.min(config.batching().perDeviceTrainBatchSize(), data.size()), MemoryCheck.longestPair(data.examples()),
                "--per-device-train-batch-size or --max-length").require(MemoryLimits.current());
        CausalLM lm = options.policy();
        RewardModel model;
        try {
            model = RewardModel.fromLm(lm, config.batching().seed());
        } finally {
            lm.release();
        }
        Optional<SparkCluster> cluster = Optional.empty();
        try {
            cluster = spark.start("reward");
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("trainer", config);
            sections.put("data", TrainingOptions.dataSection(options.data, data));
            List<PreferenceExample> train = data.examples();
            List<PreferenceExample> heldOut = List.of();
            if (evalData != null) {
                Tokenized<PreferenceExample> eval = TrainingOptions.report("eval data", evalData,
                        examples.preferences(JsonLines.readPreferences(evalData)));
                sections.put("eval_data", TrainingOptions.dataSection(evalData, eval));
                heldOut = eval.examples();
            } else if (evalFraction != null) {
                List<List<PreferenceExample>> split = split(train, evalFraction, config.batching().seed());
                train = split.get(0);
                heldOut = split.get(1);
                sections.put("eval_split", Map.of("eval_fraction", evalFraction, "train_pairs", train.size(), "eval_pairs", heldOut.size()));
                System.out.println("held out " + heldOut.size() + " of " + data.size() + " pairs (--eval-fraction " + evalFraction + ")");
            }
            long steps = config.batching().plan(train.size()).totalSteps();
            try (TrainingRun run = options.open(options.run("reward", config.batching().seed(), steps), sections)) {
                RewardModelTrainer trainer = new RewardModelTrainer(model, train, heldOut, config, run.sink());
                SparkGradients<?, ?> distributed = null;
                try {
                    run.resumedFrom().ifPresent(c -> {
                        RewardModel saved = RewardModel.fromPretrained(c.dir().resolve(TrainingRun.MODEL), model.dtype());
                        try {
                            model.copyParametersFrom(saved);
                        } finally {
                            saved.release();
                        }
                        trainer.restoreState(c.dir());
                    });
                    if (cluster.isPresent()) {
                        var shards = RewardGradientReplica.on(cluster.get(), model, config);
                        distributed = shards;
                        trainer.useGradients(shards);
                    }
                    trainer.train(options.checkpoints(run, steps, model.namedParameters(), dir -> {
                        trainer.saveState(dir);
                        model.save(dir.resolve(TrainingRun.MODEL));
                    }));
                    if (distributed != null) {
                        System.out.println(distributed.traffic());
                    }
                } finally {
                    if (distributed != null) {
                        distributed.close();
                    }
                    trainer.release();
                }
                run.saveFolder(TrainingRun.MODEL, dir -> {
                    model.save(dir);
                    TokenizerFiles.save(tokenizer, dir);
                });
                System.out.println(run.finish());
            }
        } finally {
            cluster.ifPresent(SparkCluster::close);
            model.release();
        }
        return 0;
    }

    /**
     * {@code pairs} split into training and held-out pairs: a permutation drawn from {@code seed}, its first
     * {@code round(fraction * n)} (at least one) held out, the rest kept in file order.
     */
    static List<List<PreferenceExample>> split(List<PreferenceExample> pairs, double fraction, long seed) {
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
