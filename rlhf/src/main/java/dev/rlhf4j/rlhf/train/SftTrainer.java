package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.data.TrainingPlan;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Supervised fine-tuning (TRL's {@code SFTTrainer}): next-token negative log-likelihood of the completion tokens,
 * the prompt and the padding masked out.
 * <pre>
 *   L = - sum_{b,t} m[b,t] logp[b,t] / sum_{b,t} m[b,t]        over every micro-batch of the optimizer step
 * </pre>
 * The normalisation is Hugging Face's since {@code transformers} 4.46 ({@code num_items_in_batch}): each micro-batch
 * contributes its token sum divided by the scored tokens of the whole step, so gradient accumulation gives the
 * gradient of one large batch, and every token weighs the same whatever row or micro-batch it sits in.
 *
 * <p>Each step reports TRL's {@code loss}, {@code grad_norm} (before clipping), {@code learning_rate} (the rate this
 * update used), {@code num_tokens} (real tokens seen so far, prompts included), {@code mean_token_accuracy} (argmax
 * of the logits equals the next token, over scored positions), and {@code tokens_per_second} and {@code epoch}.
 * Completions should end with EOS when the model must learn to stop; that is the data's business, not this class's.
 *
 * <p>Each micro-batch of a step is a shard ({@link SftGradientShard}) whose gradient is computed from zeroed
 * gradients and copied out, and the step's gradient is their sum in micro-batch order ({@link ShardGradient}):
 * {@link LocalGradients} computes the shards here, {@code rlhf.spark.SparkGradients} on a cluster, with the same
 * numbers. Dropout masks are drawn per micro-batch from {@link TrainingPlan#shardSeed}.
 */
public final class SftTrainer implements CheckpointedTrainer {
    private final CausalLM model;
    private final List<CompletionExample> examples;
    private final SftConfig config;
    private final MetricsSink sink;
    private final TrainingPlan plan;
    private final LrSchedule schedule;
    private final OptimizerStep optimizer;
    private final int padId;
    private final int truncated;
    private final Map<String, Tensor> trainable;
    private GradientShards<SftGradientShard, Forward> gradients;
    private long numTokens;

    /**
     * @param model    the policy to train in place (its trainable parameters)
     * @param examples tokenized prompt + completion pairs; those longer than {@code max_length} are cut ({@link LengthLimit})
     */
    public SftTrainer(CausalLM model, List<CompletionExample> examples, SftConfig config, MetricsSink sink) {
        this.model = model;
        this.config = config;
        this.sink = sink;
        LengthLimit limit = LengthLimit.of(config.maxLength(), model.config().maxPositions());
        this.examples = new ArrayList<>(examples.size());
        int cut = 0;
        for (CompletionExample e : examples) {
            cut += limit.exceeds(e) ? 1 : 0;
            this.examples.add(limit.apply(e));
        }
        this.truncated = cut;
        this.plan = config.batching().plan(examples.size());
        this.schedule = config.schedule().over(plan, config.optimization().learningRate());
        this.optimizer = new OptimizerStep(model.namedParameters(), config.adam().adamW(config.optimization()),
                OptimizerStep.maxGradNorm(config.optimization().maxGradNorm()),
                new NonFiniteGuard("sft", config.optimization().maxConsecutiveNonfinite()));
        this.padId = model.config().eosTokenId();
        this.trainable = model.namedParameters();
        this.gradients = new LocalGradients<>(trainable, shard -> shard.backward(model, config.completionOnlyLoss()));
    }

    /**
     * Computes the shards of every later step with {@code shards} (a cluster's executors) instead of in this
     * process; the caller closes it. The metrics and weights stay those of the local run, bit for bit.
     */
    public void useGradients(GradientShards<SftGradientShard, Forward> shards) {
        this.gradients = shards;
    }

    /**
     * One micro-batch's share of a step.
     *
     * @param loss          its scored tokens' -logp summed, divided by the step's scored tokens
     * @param scoredTokens  positions the loss scores
     * @param correctTokens scored positions whose argmax is the next token
     * @param realTokens    non-pad tokens of the batch
     */
    public record Forward(double loss, int scoredTokens, int correctTokens, int realTokens) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The whole run: every step of the {@link TrainingPlan}, reported to the sink. */
    public void train() {
        train(step -> { });
    }

    /**
     * The rest of the run, from step {@link #steps()} on (0, or where {@link #restoreState} left it), calling
     * {@code afterStep} with each step's number once it is reported (where the caller checkpoints).
     */
    public void train(LongConsumer afterStep) {
        try {
            long total = plan.totalSteps();
            List<TrainingPlan.Step> all = plan.steps(config.batching().seed());
            for (TrainingPlan.Step planned : all.subList((int) Math.min(steps(), all.size()), all.size())) {
                // 1. the step's micro-batches as shards, each divided by the scored tokens of all of them
                List<List<CompletionExample>> microBatches = new ArrayList<>();
                int scored = 0;
                for (int[] indices : planned.microBatches()) {
                    List<CompletionExample> rows = TrainingPlan.pick(examples, indices);
                    microBatches.add(rows);
                    for (CompletionExample e : rows) {
                        scored += config.completionOnlyLoss() ? e.completion().length : e.prompt().length + e.completion().length - 1;
                    }
                }
                List<SftGradientShard> shards = new ArrayList<>();
                for (int k = 0; k < microBatches.size(); k++) {
                    shards.add(SftGradientShard.of(microBatches.get(k), scored, TrainingPlan.shardSeed(config.batching().seed(), steps(), k)));
                }
                // 2-4. forward, backward, clip and update
                Map<String, Double> metrics = stepShards(shards);
                metrics.put("epoch", planned.epoch());
                // 5. report
                if (steps() % config.loggingSteps() == 0 || steps() == total) {
                    sink.onStep(steps(), metrics);
                }
                afterStep.accept(steps());
            }
        } finally {
            model.eval();
        }
    }

    /** Examples as the trainer batches them: right-padded with the EOS id. */
    public CompletionBatch batch(List<CompletionExample> rows) {
        return CompletionBatch.of(rows, padId);
    }

    /**
     * One optimizer step over {@code microBatches} (each a shard, in this order, dropout drawn as step
     * {@link #steps()} of the run draws it); returns its metrics (all but {@code epoch}).
     */
    public Map<String, Double> step(List<CompletionBatch> microBatches) {
        int scored = 0;
        for (CompletionBatch b : microBatches) {
            scored += SftGradientShard.scoredTokens(b, config.completionOnlyLoss());
        }
        List<SftGradientShard> shards = new ArrayList<>();
        for (int k = 0; k < microBatches.size(); k++) {
            shards.add(SftGradientShard.of(microBatches.get(k), scored, TrainingPlan.shardSeed(config.batching().seed(), steps(), k)));
        }
        return stepShards(shards);
    }

    /** One optimizer step: the shards' gradients summed in order, then {@link OptimizerStep}. */
    private Map<String, Double> stepShards(List<SftGradientShard> shards) {
        long start = System.nanoTime();
        double lr = schedule.at(steps());
        // 2. forward and backward each micro-batch, its token sum over the step's scored tokens
        List<ShardGradient<Forward>> results = gradients.compute(steps(), shards);
        double loss = 0;
        int scored = 0;
        int correct = 0;
        int real = 0;
        for (ShardGradient<Forward> r : results) {
            loss += r.metrics().loss();
            scored += r.metrics().scoredTokens();
            correct += r.metrics().correctTokens();
            real += r.metrics().realTokens();
        }
        ShardGradient.sumInto(trainable, results);
        // 3-4. clip, AdamW unless the loss or the gradient is not finite, zero the gradients
        double gradNorm = optimizer.step(lr, loss);
        numTokens += real;
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", loss);
        metrics.put("grad_norm", gradNorm);
        metrics.put("learning_rate", lr);
        metrics.put("num_tokens", (double) numTokens);
        metrics.put("mean_token_accuracy", correct / (double) scored);
        optimizer.reportNonFinite(metrics);
        metrics.put("tokens_per_second", real / seconds);
        return metrics;
    }

    /**
     * Forward and backward of one micro-batch in the model's current mode: accumulates the gradient of
     * {@code -sum m logp / tokensInStep} into the parameters and frees every intermediate (what a shard computes).
     */
    public Forward backward(CompletionBatch batch, double tokensInStep) {
        return SftGradientShard.backward(model, batch, tokensInStep, config.completionOnlyLoss());
    }

    /** Optimizer steps taken. */
    public long steps() {
        return optimizer.steps();
    }

    /** The run's plan (steps per epoch, total steps). */
    public TrainingPlan plan() {
        return plan;
    }

    /** Examples cut to {@code max_length} (see {@link LengthLimit}). */
    public int truncatedExamples() {
        return truncated;
    }

    /**
     * Writes the trainer's part of a checkpoint into {@code dir}: AdamW's moments and the counters (step, tokens seen,
     * skipped steps); the caller saves the model. Refused, before writing anything, if a moment is not finite.
     */
    public void saveState(Path dir) throws IOException {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("global_step", steps());
        counters.put("num_tokens", numTokens);
        optimizer.save(dir, counters);
    }

    /** Continues from a checkpoint written by {@link #saveState} (the model's weights restored by the caller). */
    public void restoreState(Path dir) {
        Map<String, Long> c = optimizer.restore(dir, plan.totalSteps(), "num_tokens");
        optimizer.resumeAt(c.get("global_step"));
        numTokens = c.get("num_tokens");
    }

    /** Frees the optimizer's moments; the model stays the caller's. */
    public void release() {
        optimizer.release();
    }
}
