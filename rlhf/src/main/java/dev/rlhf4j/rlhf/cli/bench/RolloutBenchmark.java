package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.rollout.LocalRollouts;
import dev.rlhf4j.rlhf.rollout.RolloutModels;
import dev.rlhf4j.rlhf.rollout.RolloutOutcome;
import dev.rlhf4j.rlhf.rollout.RolloutRow;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import dev.rlhf4j.rlhf.spark.SparkCluster;
import dev.rlhf4j.rlhf.spark.SparkRollouts;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * {@code ./rlhf4j bench rollouts [--master URL]}: the rollout phase of an RLHF iteration (sampling, a reward model's
 * scores, a frozen reference's log-probs) of a random GPT-2 in float32, in this process ({@link LocalRollouts}) and on a
 * Spark application ({@link SparkRollouts}) in the same run, on the same prompts and seeds: completion tokens per
 * second of each (after two warm-up steps each; the cluster's first starts the executors and builds their replicas;
 * then the timed steps alternate between the two, so that other load on the machine falls on both alike),
 * the distributed run against the single one (the overhead of distribution; the target is 0.8 or more), the bytes
 * broadcast each iteration (the policy) and once per run (reward model and reference), and whether the two runs
 * sampled the same tokens (they must). Every row runs to the full length (no stop token), so the token counts agree.
 */
public final class RolloutBenchmark {
    private static final double TARGET = 0.8;

    private RolloutBenchmark() {
    }

    public static void run(PrintStream out, PrintStream log, String master, String preset, int prompts, int newTokens, int shard,
                           int rounds) {
        ModelConfig config = AutoModel.preset(preset).withoutDropout();
        if (newTokens + 8 > config.maxPositions()) {
            throw new IllegalArgumentException("bench rollouts: --new-tokens " + newTokens + " and prompts of up to 8 tokens do not fit the"
                    + " model's " + config.maxPositions() + " positions");
        }
        CausalLM policy = AutoModel.random(config, DType.FLOAT32, 1337);
        RewardModel reward = RewardModel.fromLm(policy, 7);
        FrozenCopyReference reference = new FrozenCopyReference(policy);
        RolloutModels models = new RolloutModels(policy, null, List.of(new NamedReward("reward_model", reward)), reference);
        RolloutSpec spec = new RolloutSpec(newTokens, 1.0, -1, config.eosTokenId(), 42, true, shard);
        List<RolloutRow> rows = rows(prompts, config.vocabSize());
        try {
            log.printf("bench rollouts: %s GPT-2 (%d parameters), %d prompts x %d new tokens, shards of %d, %d timed steps%n", preset,
                    policy.numParameters(), prompts, newTokens, shard, rounds);
            List<List<RolloutOutcome>> single = new ArrayList<>();
            List<List<RolloutOutcome>> spread = new ArrayList<>();
            double[] tps;
            long perStep;
            long once;
            Rollouts local = new LocalRollouts(models, spec);
            warmUp(local, rows, log, "single process");
            try (SparkCluster cluster = SparkCluster.start(master, "rlhf4j bench rollouts");
                 SparkRollouts rollouts = SparkRollouts.start(cluster, models, spec)) {
                log.printf("bench rollouts: %s, parallelism %d%n", master, cluster.parallelism());
                warmUp(rollouts, rows, log, master);
                tps = interleaved(local, rollouts, rows, rounds, single, spread, log, master);
                perStep = rollouts.stepBytes();
                once = rollouts.recipeBytes();
            }
            double singleTps = tps[0];
            double spreadTps = tps[1];
            BenchLine.alone("rollouts.single.tokens_per_s", singleTps, "tok/s").print(out);
            BenchLine.against("rollouts.distributed.tokens_per_s", spreadTps, "tok/s", singleTps).print(out);
            BenchLine.against("rollouts.distributed_over_single", spreadTps / singleTps, "ratio", TARGET).print(out);
            BenchLine.alone("rollouts.broadcast_mb_per_iteration", perStep / 1e6, "MB").print(out);
            BenchLine.alone("rollouts.broadcast_mb_once", once / 1e6, "MB").print(out);
            boolean identical = same(single, spread);
            BenchLine.alone("rollouts.identical_to_single", identical ? 1 : 0, "bool").print(out);
            if (!identical) {
                log.println("bench rollouts: the runs differ in the last bits: float32 products round differently with the number of"
                        + " BLAS threads (executors got another OMP_NUM_THREADS than this process: spark.executorEnv.OMP_NUM_THREADS)");
            }
        } finally {
            reference.close();
            reward.release();
            policy.release();
        }
    }

    /** Two untimed steps: the first starts executors and builds replicas, both let the JIT compile the hot paths. */
    private static void warmUp(Rollouts rollouts, List<RolloutRow> rows, PrintStream log, String what) {
        for (int step = -2; step < 0; step++) {
            long t0 = System.nanoTime();
            rollouts.run(step, rows);
            log.printf("bench rollouts: %s: warm-up step %.2f s%n", what, (System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * Completion tokens per second of each, over {@code rounds} steps that alternate between the two (so that a load
     * that comes and goes on the machine falls on both alike); keeps each step's outcomes.
     */
    private static double[] interleaved(Rollouts local, Rollouts spark, List<RolloutRow> rows, int rounds,
                                        List<List<RolloutOutcome>> single, List<List<RolloutOutcome>> spread, PrintStream log,
                                        String master) {
        double[] seconds = new double[2];
        long[] tokens = new long[2];
        for (int step = 1; step <= rounds; step++) {
            for (int which = 0; which < 2; which++) {
                long t = System.nanoTime();
                Rollouts.Batch batch = (which == 0 ? local : spark).run(step, rows);
                double s = (System.nanoTime() - t) / 1e9;
                seconds[which] += s;
                for (RolloutOutcome o : batch.rows()) {
                    tokens[which] += o.completion().length;
                }
                (which == 0 ? single : spread).add(batch.rows());
                log.printf("bench rollouts: %s: step %d %.2f s (in the shards: generation %.2f s, reward %.2f s, reference %.2f s)%n",
                        which == 0 ? "single process" : master, step, s, batch.seconds()[0], batch.seconds()[1], batch.seconds()[2]);
            }
        }
        return new double[] {tokens[0] / seconds[0], tokens[1] / seconds[1]};
    }

    private static boolean same(List<List<RolloutOutcome>> a, List<List<RolloutOutcome>> b) {
        for (int s = 0; s < a.size(); s++) {
            for (int i = 0; i < a.get(s).size(); i++) {
                RolloutOutcome x = a.get(s).get(i);
                RolloutOutcome y = b.get(s).get(i);
                if (!Arrays.equals(x.completion(), y.completion()) || !Arrays.equals(x.scores(), y.scores())
                        || !Arrays.equals(x.refLogProbs(), y.refLogProbs())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<RolloutRow> rows(int n, int vocab) {
        Random random = new Random(3);
        List<RolloutRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = new int[4 + random.nextInt(5)];
            for (int j = 0; j < prompt.length; j++) {
                prompt[j] = random.nextInt(vocab - 1);
            }
            rows.add(new RolloutRow(i, 0, prompt));
        }
        return rows;
    }
}
