package dev.rlhf4j.rlhf.data;

import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.nn.optim.SchedulerType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The optimizer steps of an offline run (SFT, reward model) as Hugging Face's {@code Trainer} counts them: which
 * examples each step takes and at what learning rate.
 * <pre>
 *   micro-batches per epoch = ceil(N / per_device_train_batch_size)
 *   steps per epoch         = ceil(micro-batches per epoch / gradient_accumulation_steps)
 *   total steps             = max_steps if max_steps > 0, else ceil(num_train_epochs * steps per epoch)
 *   warmup                  = warmup_steps if > 0, else ceil(warmup_ratio * total steps)
 * </pre>
 * Each epoch visits the examples in a fresh order drawn from the seed; the last micro-batch (and the last step) of
 * an epoch may be smaller. {@code max_steps} beyond one pass keeps going over new epochs.
 *
 * @param examples       N, the training examples
 * @param batchSize      per_device_train_batch_size
 * @param accumulation   gradient_accumulation_steps
 * @param numTrainEpochs num_train_epochs (may be fractional)
 * @param maxSteps       max_steps; -1 to count from the epochs
 */
public record TrainingPlan(int examples, int batchSize, int accumulation, double numTrainEpochs, int maxSteps) {

    /**
     * One optimizer step.
     *
     * @param microBatches the example indices of each micro-batch
     * @param epoch        HF's fractional epoch once this step is done (2.5 = half-way through the third)
     * @param endsEpoch    whether this is the last step of its epoch
     */
    public record Step(List<int[]> microBatches, double epoch, boolean endsEpoch) {
    }

    public TrainingPlan {
        if (examples <= 0) {
            throw new IllegalArgumentException("TrainingPlan: no training examples");
        }
        if (batchSize <= 0 || accumulation <= 0) {
            throw new IllegalArgumentException("TrainingPlan: per_device_train_batch_size and gradient_accumulation_steps must be"
                    + " positive, got " + batchSize + " and " + accumulation);
        }
        if (maxSteps <= 0 && !(numTrainEpochs > 0)) {
            throw new IllegalArgumentException("TrainingPlan: need num_train_epochs > 0 or max_steps > 0, got "
                    + numTrainEpochs + " and " + maxSteps);
        }
    }

    public int microBatchesPerEpoch() {
        return (examples + batchSize - 1) / batchSize;
    }

    public int stepsPerEpoch() {
        return (microBatchesPerEpoch() + accumulation - 1) / accumulation;
    }

    public long totalSteps() {
        return maxSteps > 0 ? maxSteps : (long) Math.ceil(numTrainEpochs * stepsPerEpoch());
    }

    /** Every step of the run, the examples shuffled per epoch by a {@link Random} seeded with {@code seed}. */
    public List<Step> steps(long seed) {
        Random random = new Random(seed);
        List<Integer> order = new ArrayList<>(examples);
        for (int i = 0; i < examples; i++) {
            order.add(i);
        }
        long total = totalSteps();
        int perEpoch = stepsPerEpoch();
        List<Step> steps = new ArrayList<>();
        for (int epoch = 0; steps.size() < total; epoch++) {
            Collections.shuffle(order, random);
            int[] shuffled = order.stream().mapToInt(Integer::intValue).toArray();
            for (int s = 0; s < perEpoch && steps.size() < total; s++) {
                List<int[]> micro = new ArrayList<>(accumulation);
                for (int m = s * accumulation; m < Math.min((s + 1) * accumulation, microBatchesPerEpoch()); m++) {
                    micro.add(Arrays.copyOfRange(shuffled, m * batchSize, Math.min((m + 1) * batchSize, examples)));
                }
                steps.add(new Step(micro, epoch + (s + 1) / (double) perEpoch, s == perEpoch - 1));
            }
        }
        return steps;
    }

    /**
     * The seed of everything random inside step {@code step} (0-based) of a run seeded {@code seed}, e.g. its dropout
     * masks: a fresh generator per step, so that a run resumed at any step draws what the uninterrupted one drew.
     */
    public static long stepSeed(long seed, long step) {
        return new java.util.SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (step + 1))).nextLong();
    }

    /**
     * The seed of what is random inside micro-batch {@code shard} (0-based) of step {@code step}: each micro-batch
     * draws its own dropout masks, so they do not depend on which micro-batches ran before it on the same machine.
     */
    public static long shardSeed(long seed, long step, int shard) {
        return new java.util.SplittableRandom(stepSeed(seed, step) ^ (0xBF58476D1CE4E5B9L * (shard + 1))).nextLong();
    }

    /** The learning rate of each step (0-based), HF's schedule of that type with the warmup of the formula above. */
    public LrSchedule schedule(SchedulerType type, double learningRate, double warmupRatio, int warmupSteps) {
        long total = totalSteps();
        long warmup = warmupSteps > 0 ? warmupSteps : (long) Math.ceil(warmupRatio * total);
        if (warmup > total) {
            throw new IllegalArgumentException("TrainingPlan: " + warmup + " warmup steps exceed the " + total + " steps of the run");
        }
        return switch (type) {
            case LINEAR -> LrSchedule.warmupLinear(learningRate, warmup, total);
            case CONSTANT -> step -> step < warmup ? learningRate * step / warmup : learningRate;
        };
    }

    /** The items at {@code indices}, in that order. */
    public static <T> List<T> pick(List<T> items, int[] indices) {
        List<T> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(items.get(i));
        }
        return out;
    }
}
