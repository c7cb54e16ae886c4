package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.nn.optim.SchedulerType;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.DpoBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.rlhf.reference.PrecomputedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Direct Preference Optimization (Rafailov et al. 2023) and its variants, as TRL's {@code DPOTrainer}: the policy
 * learns from (prompt, chosen, rejected) pairs with no reward model and no sampling,
 * <pre>
 *   loss = L( beta [ (log pi(y_c|x) - log ref(y_c|x)) - (log pi(y_r|x) - log ref(y_r|x)) ] )
 * </pre>
 * where L is the {@link DpoConfig#lossType} class of {@code rlhf.dpo} (-log sigmoid for DPO). The reference is any
 * {@link ReferenceModel} strategy; the policy trains whole, or through LoRA adapters (then only the adapter factors
 * reach AdamW and the reference is typically the policy with its adapters off).
 *
 * <p>Legend: B pairs per micro-batch, T padded length, V vocabulary. One optimizer step reports TRL's metrics
 * ({@code loss}, {@code rewards/chosen}, ..., {@code logits/rejected}) plus {@code grad_norm} (before clipping),
 * {@code learning_rate} (the rate this step used), {@code epoch}, {@code num_truncated} (sequences shortened by
 * max_prompt_length / max_length) and {@code tokens_per_second} (real tokens of the step over its wall time: the
 * one figure that differs between runs of one seed).
 *
 * <p>Each micro-batch of a step is a shard ({@link DpoGradientShard}, computed by {@link DpoGradient}) whose gradient
 * is taken from zeroed gradients and copied out; the step's gradient is their sum in micro-batch order
 * ({@link ShardGradient}): {@link LocalGradients} computes the shards here, {@code rlhf.spark.SparkGradients} on a
 * cluster ({@link #useGradients}), with the same numbers.
 */
public final class DpoTrainer implements AutoCloseable {
    private final CausalLM policy;
    private final ReferenceModel reference;
    private final DpoConfig config;
    private final OptimizerStep optimizer;
    private final DType logProbType;
    private final DpoGradient gradient;
    private final Map<String, Tensor> trainableParameters;
    private GradientShards<DpoGradientShard, DpoStep> gradients;
    private StepObserver observer = StepObserver.NONE;

    /**
     * @param policy    the model whose log-probs the loss reads (with its LoRA adapters attached, if any)
     * @param trainable what AdamW trains: {@code policy} itself, or its {@link LoraModel}
     * @param reference the reference strategy; null exactly when {@link DpoConfig#withoutReference()}; a
     *                  {@link PrecomputedReference} when {@code precomputeRefLogProbs}
     */
    public DpoTrainer(CausalLM policy, Module trainable, ReferenceModel reference, DpoConfig config) {
        if (config.withoutReference() != (reference == null)) {
            throw new IllegalArgumentException(config.withoutReference()
                    ? "DpoTrainer: loss_type " + config.objective().lossType().trlName() + (config.referenceFree() ? " with reference_free" : "")
                    + " reads no reference log-probs; pass null as the reference"
                    : "DpoTrainer: loss_type " + config.objective().lossType().trlName() + " needs a reference model (or set reference_free)");
        }
        if (config.precomputeRefLogProbs() && !(reference instanceof PrecomputedReference)) {
            throw new IllegalArgumentException("DpoTrainer: precompute_ref_log_probs needs a PrecomputedReference (see"
                    + " DpoTrainer.precomputedReference), got " + reference.getClass().getSimpleName());
        }
        this.policy = policy;
        this.reference = reference;
        this.config = config;
        this.logProbType = policy.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
        Optimization optimization = config.optimization();
        this.optimizer = new OptimizerStep(trainable.namedParameters(),
                AdamW.Config.torch(optimization.learningRate(), optimization.weightDecay()),
                OptimizerStep.maxGradNorm(optimization.maxGradNorm()), new NonFiniteGuard("dpo", optimization.maxConsecutiveNonfinite()));
        if (optimizer.parameters().isEmpty()) {
            throw new IllegalArgumentException("DpoTrainer: " + trainable.getClass().getSimpleName() + " has no trainable parameter");
        }
        this.gradient = new DpoGradient(policy, trainable, reference, config);
        this.trainableParameters = trainable.namedParameters();
        this.gradients = new LocalGradients<>(trainableParameters, shard -> gradient.step(shard, observer));
    }

    /**
     * Computes the shards of every later step with {@code shards} (a cluster's executors) instead of in this
     * process; the caller closes it. The metrics and weights stay those of the local run, bit for bit.
     */
    public void useGradients(GradientShards<DpoGradientShard, DpoStep> shards) {
        this.gradients = shards;
    }

    /** Trains the whole policy. */
    public static DpoTrainer of(CausalLM policy, ReferenceModel reference, DpoConfig config) {
        return new DpoTrainer(policy, policy, reference, config);
    }

    /**
     * The reference log-probs of every sequence of {@code data}, as this trainer truncates it, cached in {@code file}
     * (TRL's {@code precompute_ref_log_probs}): loaded if the file matches the weights, data and tokenizer, otherwise
     * computed with {@code live} and written. Call outside any arena.
     */
    public static PrecomputedReference precomputedReference(Path file, List<PreferenceExample> data, DpoConfig config,
                                                            Map<String, Tensor> referenceWeights, String tokenizerHash,
                                                            int padId, Supplier<ReferenceModel> live) {
        List<int[]> sequences = DpoBatch.sequences(data, config.maxLength(), config.maxPromptLength());
        return PrecomputedReference.prepare(file, PrecomputedReference.Key.of(referenceWeights, sequences, tokenizerHash),
                sequences, 2 * config.batching().perDeviceTrainBatchSize(), padId, live);
    }

    /**
     * Trains on {@code data} for {@code max_steps} optimizer steps, or {@code num_train_epochs} passes, reporting each
     * step to {@code sink}. Returns the number of optimizer steps taken.
     */
    public long train(List<PreferenceExample> data, MetricsSink sink) {
        return train(data, sink, step -> { });
    }

    /**
     * As {@link #train(List, MetricsSink)}, from step {@link #steps()} on (0, or where {@link #restoreState} left it),
     * calling {@code afterStep} with each step's number once it is reported (where the caller checkpoints).
     */
    public long train(List<PreferenceExample> data, MetricsSink sink, LongConsumer afterStep) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("DpoTrainer: no preference pairs to train on");
        }
        Batching batching = config.batching();
        double peak = config.optimization().learningRate();
        int b = batching.perDeviceTrainBatchSize();
        int microPerEpoch = (data.size() + b - 1) / b;
        int stepsPerEpoch = (microPerEpoch + batching.gradientAccumulationSteps() - 1) / batching.gradientAccumulationSteps();
        long total = batching.maxSteps() > 0 ? batching.maxSteps() : (long) Math.ceil(batching.numTrainEpochs() * stepsPerEpoch);
        LrSchedule schedule = config.lrSchedulerType() == SchedulerType.CONSTANT
                ? LrSchedule.constant(peak)
                : LrSchedule.warmupLinear(peak, Math.min(config.warmupSteps(), total), total);
        Random order = new Random(batching.seed());
        long step = 0;
        for (int epoch = 0; step < total; epoch++) {
            List<PreferenceExample> shuffled = new ArrayList<>(data);
            Collections.shuffle(shuffled, order);
            for (int s = 0; s < stepsPerEpoch && step < total; s++) {
                if (step < steps()) {
                    step++;                                        // done before the checkpoint this run resumed from
                    continue;
                }
                long start = System.nanoTime();
                // 1. the micro-batches of this optimizer step as shards: the gradient of each, summed in order
                int first = s * batching.gradientAccumulationSteps();
                int last = Math.min(first + batching.gradientAccumulationSteps(), microPerEpoch);
                List<DpoGradientShard> shards = new ArrayList<>();
                for (int m = first; m < last; m++) {
                    shards.add(shard(shuffled.subList(m * b, Math.min((m + 1) * b, shuffled.size())), 1.0 / (last - first)));
                }
                List<ShardGradient<DpoStep>> results = gradients.compute(step, shards);
                List<DpoStep> micro = results.stream().map(ShardGradient::metrics).toList();
                ShardGradient.sumInto(trainableParameters, results);
                // 2. clip, step AdamW at the scheduled rate (OptimizerStep), let the reference follow (TR-DPO)
                double lr = schedule.at(step);
                double gradNorm = optimizer.step(lr, micro.stream().mapToDouble(DpoStep::loss).sum());
                step++;
                if (reference != null) {
                    reference.onStep(policy, step);
                }
                // 3. report
                double seconds = (System.nanoTime() - start) / 1e9;
                LinkedHashMap<String, Double> metrics = new LinkedHashMap<>();
                LinkedHashMap<String, Double> dpo = DpoStep.metrics(micro);
                metrics.put("loss", dpo.remove("loss"));
                metrics.put("grad_norm", gradNorm);
                metrics.put("learning_rate", lr);
                metrics.putAll(dpo);
                optimizer.reportNonFinite(metrics);
                metrics.put("tokens_per_second", micro.stream().mapToInt(DpoStep::tokens).sum() / seconds);
                metrics.put("epoch", epoch + (double) last / microPerEpoch);
                sink.onStep(step, metrics);
                afterStep.accept(step);
            }
        }
        return step;
    }

    /** {@code pairs} truncated and batched as this trainer batches them (2B rows, padded with GPT-2's EOS). */
    public DpoBatch batch(List<PreferenceExample> pairs) {
        return gradient.batch(pairs);
    }

    /**
     * The shard of {@code pairs}; with a precomputed reference it carries the cached log-probs of its rows, so that
     * the worker needs no cache.
     */
    private DpoGradientShard shard(List<PreferenceExample> pairs, double lossScale) {
        DpoGradientShard shard = DpoGradientShard.of(pairs, lossScale);
        if (!(reference instanceof PrecomputedReference)) {
            return shard;
        }
        CompletionBatch rows = batch(pairs).rows();
        try (Arena arena = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor logps = reference.logProbs(rows.batch(), rows.completionMask(logProbType)).logProbs();   // (2B, T-1)
            return shard.withReference(logps.toDoubleArray(), logps.dtype());
        }
    }

    /**
     * One forward and backward on {@code batch}: the gradient of {@code lossScale * loss} is added to the trainable
     * parameters' gradients (no optimizer step). Every intermediate is freed before it returns.
     */
    public DpoStep step(DpoBatch batch, double lossScale) {
        return gradient.step(batch, lossScale, null, null, observer);
    }

    /** Shows each later step's intermediates to {@code observer} ({@link StepObserver#NONE}: none). */
    public void observe(StepObserver observer) {
        this.observer = observer;
    }

    /** Optimizer steps taken (or restored). */
    public long steps() {
        return optimizer.steps();
    }

    /** Writes the trainer's part of a checkpoint (AdamW, counters) into {@code dir}; the caller saves the weights. */
    public void saveState(Path dir) throws IOException {
        optimizer.save(dir, Map.of("global_step", steps()));
    }

    /** Continues from a checkpoint written by {@link #saveState} of a run of {@code totalSteps} steps (weights restored by the caller). */
    public void restoreState(Path dir, long totalSteps) {
        optimizer.resumeAt(optimizer.restore(dir, totalSteps).get("global_step"));
    }

    /** The AdamW optimizer over the trainable parameters. */
    public AdamW optimizer() {
        return optimizer.adamW();
    }

    public DpoConfig config() {
        return config;
    }

    /** Frees the optimizer's moments; the models and the reference belong to the caller. */
    @Override
    public void close() {
        optimizer.release();
    }
}
