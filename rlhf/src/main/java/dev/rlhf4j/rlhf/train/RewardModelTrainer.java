package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import dev.rlhf4j.rlhf.reward.BradleyTerryLoss;
import dev.rlhf4j.rlhf.reward.RewardModel;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Reward-model training (TRL's {@code RewardTrainer}; Ouyang et al. 2022): a Bradley-Terry preference loss on the
 * scores of the chosen and the rejected completion of each pair,
 * <pre>
 *   L = mean_i -log sigmoid(r(x, y_c,i) - r(x, y_r,i) - m_i)  [+ c mean_i (r_c,i + r_r,i)^2]
 * </pre>
 * with an optional margin m (Llama 2) and TRL's {@code center_rewards_coefficient} c ({@link BradleyTerryLoss}).
 * Chosen and rejected rows go through one forward pass: 2B right-padded rows, chosen first, each scored at its last
 * real token. After each epoch (and at the end) the held-out pairs are scored: {@code eval_accuracy} is the fraction
 * with r_c > r_r, {@code eval_loss} the mean loss per pair.
 *
 * <p>Each step reports {@code loss}, {@code grad_norm} (before clipping), {@code learning_rate} (the rate this
 * update used), {@code accuracy} and {@code margin} (mean r_c - r_r) over the step's pairs, {@code tokens_per_second}
 * and {@code epoch}; an epoch's last step adds {@code eval_loss} and {@code eval_accuracy}.
 *
 * <p>Each micro-batch of a step is a shard ({@link RewardGradientShard}) whose gradient is computed from zeroed
 * gradients and copied out, and the step's gradient is their sum in micro-batch order ({@link ShardGradient}):
 * {@link LocalGradients} computes the shards here, {@code rlhf.spark.SparkGradients} on a cluster, with the same
 * numbers. Dropout masks (when {@code disable_dropout} is false) are drawn per micro-batch from
 * {@link TrainingPlan#shardSeed}.
 */
public final class RewardModelTrainer implements CheckpointedTrainer {
    private final RewardModel model;
    private final List<PreferenceExample> train;
    private final double[] margins;
    private final List<PreferenceExample> heldOut;
    private final RewardConfig config;
    private final MetricsSink sink;
    private final LengthLimit limit;
    private final BradleyTerryLoss loss;
    private final TrainingPlan plan;
    private final LrSchedule schedule;
    private final OptimizerStep optimizer;
    private final Map<String, Tensor> trainable;
    private GradientShards<RewardGradientShard, Forward> gradients;
    private int truncated;

    /** Without margins. */
    public RewardModelTrainer(RewardModel model, List<PreferenceExample> train, List<PreferenceExample> heldOut,
                              RewardConfig config, MetricsSink sink) {
        this(model, train, null, heldOut, config, sink);
    }

    /**
     * @param model   trained in place
     * @param train   preference pairs; longer than {@code max_length} ones are cut ({@link LengthLimit})
     * @param margins the margin m of each training pair, or null for none
     * @param heldOut the pairs scored after each epoch (may be empty)
     */
    public RewardModelTrainer(RewardModel model, List<PreferenceExample> train, double[] margins, List<PreferenceExample> heldOut,
                              RewardConfig config, MetricsSink sink) {
        if (margins != null && margins.length != train.size()) {
            throw new IllegalArgumentException("RewardModelTrainer: " + margins.length + " margins for " + train.size() + " pairs");
        }
        this.model = model;
        this.config = config;
        this.sink = sink;
        this.margins = margins == null ? null : margins.clone();
        this.limit = LengthLimit.of(config.maxLength(), model.config().maxPositions());
        this.train = fit(train);
        this.heldOut = fit(heldOut);
        this.loss = new BradleyTerryLoss(config.centering());
        this.plan = config.batching().plan(train.size());
        this.schedule = config.schedule().over(plan, config.optimization().learningRate());
        this.optimizer = new OptimizerStep(model.namedParameters(), config.adam().adamW(config.optimization()),
                OptimizerStep.maxGradNorm(config.optimization().maxGradNorm()),
                new NonFiniteGuard("reward", config.optimization().maxConsecutiveNonfinite()));
        this.trainable = model.namedParameters();
        this.gradients = new LocalGradients<>(trainable, shard -> shard.backward(model, loss, config.disableDropout()));
    }

    /**
     * Computes the shards of every later step with {@code shards} (a cluster's executors) instead of in this
     * process; the caller closes it. The metrics and weights stay those of the local run, bit for bit.
     */
    public void useGradients(GradientShards<RewardGradientShard, Forward> shards) {
        this.gradients = shards;
    }

    /**
     * Preference pairs as one forward batch: rows 0 .. B-1 the chosen completions, rows B .. 2B-1 the rejected ones.
     *
     * @param margins the pairs' margins, or null for none
     */
    public record Batch(CompletionBatch rows, int pairs, double[] margins) {
    }

    /**
     * One micro-batch's figures.
     *
     * @param loss            its Bradley-Terry loss (before any accumulation scaling)
     * @param rewardsChosen   r_c of each pair
     * @param rewardsRejected r_r of each pair
     * @param accuracy        fraction of pairs with r_c > r_r
     * @param realTokens      non-pad tokens of its 2B rows
     */
    public record Forward(double loss, double[] rewardsChosen, double[] rewardsRejected, double accuracy, int realTokens)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** @param accuracy fraction of held-out pairs with r_c > r_r;  @param loss mean loss per pair */
    public record Evaluation(double accuracy, double loss) {
    }

    /** The whole run: every step of the {@link TrainingPlan}, held-out scores after each epoch, reported to the sink. */
    public void train() {
        train(step -> { });
    }

    /**
     * The rest of the run, from step {@link #steps()} on (0, or where {@link #restoreState} left it), calling
     * {@code afterStep} with each step's number once it is reported (where the caller checkpoints).
     */
    public void train(LongConsumer afterStep) {
        long total = plan.totalSteps();
        try {
            List<TrainingPlan.Step> all = plan.steps(config.batching().seed());
            for (TrainingPlan.Step planned : all.subList((int) Math.min(steps(), all.size()), all.size())) {
                // 1. the step's micro-batches as shards, dropout drawn from (seed, step, micro-batch) so that a resumed
                //    run, or one spread over many machines, draws the same masks
                List<int[]> micro = planned.microBatches();
                List<RewardGradientShard> shards = new ArrayList<>(micro.size());
                for (int k = 0; k < micro.size(); k++) {
                    int[] indices = micro.get(k);
                    shards.add(RewardGradientShard.of(TrainingPlan.pick(train, indices), margins == null ? null : pick(margins, indices),
                            1.0 / micro.size(), TrainingPlan.shardSeed(config.batching().seed(), steps(), k)));
                }
                // 2-4. forward, Bradley-Terry loss, backward, clip, update
                Map<String, Double> metrics = stepShards(shards);
                metrics.put("epoch", planned.epoch());
                // 5. held-out pairwise accuracy after each epoch
                if (!heldOut.isEmpty() && (planned.endsEpoch() || steps() == total)) {
                    Evaluation e = evaluate(heldOut);
                    metrics.put("eval_loss", e.loss());
                    metrics.put("eval_accuracy", e.accuracy());
                }
                // 6. report
                sink.onStep(steps(), metrics);
                afterStep.accept(steps());
            }
        } finally {
            model.eval();
        }
    }

    /** Pairs as the trainer batches them, padded with the model's pad id. */
    public Batch batch(List<PreferenceExample> pairs, double[] pairMargins) {
        return RewardGradientShard.batch(pairs, pairMargins, model.padTokenId());
    }

    /**
     * One optimizer step over {@code microBatches} (each a shard, in this order, dropout drawn as step
     * {@link #steps()} of the run draws it); returns its metrics (all but {@code epoch}).
     */
    public Map<String, Double> step(List<Batch> microBatches) {
        List<RewardGradientShard> shards = new ArrayList<>(microBatches.size());
        for (int k = 0; k < microBatches.size(); k++) {
            shards.add(RewardGradientShard.of(microBatches.get(k), 1.0 / microBatches.size(), TrainingPlan.shardSeed(config.batching().seed(), steps(), k)));
        }
        return stepShards(shards);
    }

    /** One optimizer step: the shards' gradients summed in order, then {@link OptimizerStep}. */
    private Map<String, Double> stepShards(List<RewardGradientShard> shards) {
        long start = System.nanoTime();
        double lr = schedule.at(steps());
        // 2. forward and backward each micro-batch, its loss divided by their number
        List<ShardGradient<Forward>> results = gradients.compute(steps(), shards);
        double stepLoss = 0;
        int correct = 0;
        int pairs = 0;
        double margin = 0;
        int real = 0;
        for (ShardGradient<Forward> r : results) {
            Forward f = r.metrics();
            int b = f.rewardsChosen().length;
            stepLoss += f.loss() / shards.size();
            correct += (int) Math.round(f.accuracy() * b);
            pairs += b;
            for (int i = 0; i < b; i++) {
                margin += f.rewardsChosen()[i] - f.rewardsRejected()[i];
            }
            real += f.realTokens();
        }
        ShardGradient.sumInto(trainable, results);
        // 3-4. clip, AdamW unless the loss or the gradient is not finite, zero the gradients
        double gradNorm = optimizer.step(lr, stepLoss);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", stepLoss);
        metrics.put("grad_norm", gradNorm);
        metrics.put("learning_rate", lr);
        metrics.put("accuracy", correct / (double) pairs);
        metrics.put("margin", margin / pairs);
        optimizer.reportNonFinite(metrics);
        metrics.put("tokens_per_second", real / seconds);
        return metrics;
    }

    /**
     * Forward and backward of one micro-batch: accumulates the gradient of {@code scale * L} into the parameters and
     * frees every intermediate. The step code, exposed so a test can read the gradients.
     */
    public Forward backward(Batch batch, double scale) {
        return RewardGradientShard.backward(model, loss, batch, scale);
    }

    /** Accuracy and mean loss per pair on {@code pairs}, without a graph, in batches of {@code per_device_eval_batch_size}. */
    public Evaluation evaluate(List<PreferenceExample> pairs) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("RewardModelTrainer.evaluate: no pairs");
        }
        model.eval();
        List<PreferenceExample> fitted = fit(pairs);
        double lossSum = 0;
        double correct = 0;
        for (int from = 0; from < fitted.size(); from += config.perDeviceEvalBatchSize()) {
            List<PreferenceExample> chunk = fitted.subList(from, Math.min(from + config.perDeviceEvalBatchSize(), fitted.size()));
            try (Arena pass = Arena.open(); NoGrad ng = NoGrad.enter()) {
                Forward f = RewardGradientShard.figures(model, loss, batch(chunk, null));
                lossSum += f.loss() * chunk.size();
                correct += f.accuracy() * chunk.size();
            }
        }
        return new Evaluation(correct / fitted.size(), lossSum / fitted.size());
    }

    private List<PreferenceExample> fit(List<PreferenceExample> pairs) {
        List<PreferenceExample> out = new ArrayList<>(pairs.size());
        for (PreferenceExample p : pairs) {
            if (limit.exceeds(p)) {
                truncated++;
            }
            out.add(limit.apply(p));
        }
        return out;
    }

    private static double[] pick(double[] values, int[] indices) {
        double[] out = new double[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = values[indices[i]];
        }
        return out;
    }

    /** Writes the trainer's part of a checkpoint (AdamW, counters) into {@code dir}; the caller saves the model. */
    public void saveState(Path dir) throws IOException {
        optimizer.save(dir, Map.of("global_step", steps()));
    }

    /** Continues from a checkpoint written by {@link #saveState} (the model's weights restored by the caller). */
    public void restoreState(Path dir) {
        optimizer.resumeAt(optimizer.restore(dir, plan.totalSteps()).get("global_step"));
    }

    /** Optimizer steps taken. */
    public long steps() {
        return optimizer.steps();
    }

    public TrainingPlan plan() {
        return plan;
    }

    /** Pairs cut to {@code max_length} so far (training, held-out and evaluated pairs alike). */
    public int truncatedExamples() {
        return truncated;
    }

    /** Frees the optimizer's moments; the model stays the caller's. */
    public void release() {
        optimizer.release();
    }
}
