package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.nn.optim.GradClip;
import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.io.IOException;
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
 */
public final class SftTrainer {
    private final Gpt2LMHeadModel model;
    private final List<CompletionExample> examples;
    private final SftConfig config;
    private final MetricsSink sink;
    private final TrainingPlan plan;
    private final LrSchedule schedule;
    private final AdamW optimizer;
    private final int padId;
    private final int truncated;
    private final NonFiniteGuard guard;
    private long steps;
    private long numTokens;

    /**
     * @param model    the policy to train in place (its trainable parameters)
     * @param examples tokenized prompt + completion pairs; those longer than {@code max_length} are cut ({@link LengthLimit})
     */
    public SftTrainer(Gpt2LMHeadModel model, List<CompletionExample> examples, SftConfig config, MetricsSink sink) {
        this.model = model;
        this.config = config;
        this.sink = sink;
        LengthLimit limit = LengthLimit.of(config.maxLength(), model.config().nPositions());
        this.examples = new ArrayList<>(examples.size());
        int cut = 0;
        for (CompletionExample e : examples) {
            cut += limit.exceeds(e) ? 1 : 0;
            this.examples.add(limit.apply(e));
        }
        this.truncated = cut;
        this.plan = new TrainingPlan(examples.size(), config.perDeviceTrainBatchSize(), config.gradientAccumulationSteps(),
                config.numTrainEpochs(), config.maxSteps());
        this.schedule = plan.schedule(config.lrSchedulerType(), config.learningRate(), config.warmupRatio(), config.warmupSteps());
        this.optimizer = new AdamW(model.namedParameters(), config.adamW(), AdamW.matricesOnly(model.namedParameters()));
        this.padId = model.config().eosTokenId();
        this.guard = new NonFiniteGuard("sft", config.maxConsecutiveNonfinite());
    }

    /**
     * One micro-batch's share of a step.
     *
     * @param loss          its scored tokens' -logp summed, divided by the step's scored tokens
     * @param scoredTokens  positions the loss scores
     * @param correctTokens scored positions whose argmax is the next token
     * @param realTokens    non-pad tokens of the batch
     */
    public record Forward(double loss, int scoredTokens, int correctTokens, int realTokens) {
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
            List<TrainingPlan.Step> all = plan.steps(config.seed());
            for (TrainingPlan.Step planned : all.subList((int) Math.min(steps, all.size()), all.size())) {
                // dropout as in HF's model.train(), drawn from (seed, step) so a resumed run draws the same masks
                model.train(new TensorRandom(TrainingPlan.stepSeed(config.seed(), steps)));
                // 1. batch: the step's micro-batches, each right-padded with its completion mask
                List<CompletionBatch> microBatches = new ArrayList<>();
                for (int[] indices : planned.microBatches()) {
                    microBatches.add(batch(TrainingPlan.pick(examples, indices)));
                }
                // 2-4. forward, backward, clip and update
                Map<String, Double> metrics = step(microBatches);
                metrics.put("epoch", planned.epoch());
                // 5. report
                if (steps % config.loggingSteps() == 0 || steps == total) {
                    sink.onStep(steps, metrics);
                }
                afterStep.accept(steps);
            }
        } finally {
            model.eval();
        }
    }

    /** Examples as the trainer batches them: right-padded with the EOS id. */
    public CompletionBatch batch(List<CompletionExample> rows) {
        return CompletionBatch.of(rows, padId);
    }

    /** One optimizer step over {@code microBatches}; returns its metrics (all but {@code epoch}). */
    public Map<String, Double> step(List<CompletionBatch> microBatches) {
        long start = System.nanoTime();
        double lr = schedule.at(steps);
        optimizer.setLearningRate(lr);
        int scored = 0;
        for (CompletionBatch b : microBatches) {
            scored += scoredTokens(b);
        }
        // 2. forward and backward each micro-batch, its token sum over the step's scored tokens
        double loss = 0;
        int correct = 0;
        int real = 0;
        for (CompletionBatch b : microBatches) {
            Forward f = backward(b, scored);
            loss += f.loss();
            correct += f.correctTokens();
            real += f.realTokens();
        }
        // 3. clip the global gradient norm
        double gradNorm = GradClip.clipGradNorm(optimizer.parameters(),
                config.maxGradNorm() > 0 ? config.maxGradNorm() : Double.POSITIVE_INFINITY);
        // 4. AdamW, unless the loss or the gradient is not finite
        boolean updated = guard.admit(steps + 1, loss, gradNorm, optimizer);
        if (updated) {
            optimizer.step();
        }
        optimizer.zeroGrad();
        steps++;
        numTokens += real;
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", loss);
        metrics.put("grad_norm", gradNorm);
        metrics.put("learning_rate", lr);
        metrics.put("num_tokens", (double) numTokens);
        metrics.put("mean_token_accuracy", correct / (double) scored);
        guard.report(metrics, updated);
        metrics.put("tokens_per_second", real / seconds);
        return metrics;
    }

    /**
     * Forward and backward of one micro-batch: accumulates the gradient of {@code -sum m logp / tokensInStep} into
     * the parameters and frees every intermediate. The step code, exposed so a test can read the gradients.
     */
    public Forward backward(CompletionBatch batch, double tokensInStep) {
        try (Arena pass = Arena.open()) {
            DType type = model.dtype().computeType();
            Tensor ids = batch.inputIds();                                                 // (B, T)
            Tensor mask = lossMask(batch, type);                                           // (B, T-1)
            Tensor logits = model.forward(batch.batch());                                  // (B, T, V)
            TokenLogProbs logp = TokenLogProbs.of(logits, ids, mask, 1.0);                 // (B, T-1)
            Tensor loss = logp.logProbs().sum().neg().div(tokensInStep);                   // ()
            loss.backward();
            return new Forward(loss.item(), scoredTokens(batch), correctPredictions(logits, ids, mask), batch.realTokens());
        }
    }

    /** The scored positions: completion tokens, or every real token after the first when not {@code completionOnlyLoss}. (B, T-1) */
    private Tensor lossMask(CompletionBatch batch, DType type) {
        if (config.completionOnlyLoss()) {
            return batch.completionMask(type);                                             // (B, T-1)
        }
        int b = batch.size();
        int t = batch.batch().length();
        double[] m = new double[b * (t - 1)];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t - 1; j++) {
                m[r * (t - 1) + j] = batch.batch().mask(r, j + 1);
            }
        }
        return Tensor.of(m, type, b, t - 1);                                               // (B, T-1)
    }

    private int scoredTokens(CompletionBatch batch) {
        return config.completionOnlyLoss() ? batch.completionTokens() : batch.realTokens() - batch.size();
    }

    /** Scored positions whose largest logit is the next token's. */
    private static int correctPredictions(Tensor logits, Tensor ids, Tensor mask) {
        try (var noGrad = NoGrad.enter()) {
            long t = logits.size(1);
            Tensor predicting = logits.narrow(1, 0, t - 1);                                // (B, T-1, V)
            double[] best = predicting.max(-1, false).toDoubleArray();                     // (B, T-1)
            double[] next = predicting.gatherLast(ids.narrow(1, 1, t - 1)).toDoubleArray(); // (B, T-1)
            double[] m = mask.toDoubleArray();
            int correct = 0;
            for (int i = 0; i < m.length; i++) {
                correct += m[i] != 0 && next[i] >= best[i] ? 1 : 0;
            }
            return correct;
        }
    }

    /** Optimizer steps taken. */
    public long steps() {
        return steps;
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
        counters.put("global_step", steps);
        counters.put("num_tokens", numTokens);
        TrainerState.save(dir, optimizer, guard, counters);
    }

    /** Continues from a checkpoint written by {@link #saveState} (the model's weights restored by the caller). */
    public void restoreState(Path dir) {
        Map<String, Long> c = TrainerState.restore(dir, optimizer, guard, plan.totalSteps(), "num_tokens");
        steps = c.get("global_step");
        numTokens = c.get("num_tokens");
    }

    /** Frees the optimizer's moments; the model stays the caller's. */
    public void release() {
        optimizer.release();
    }
}
