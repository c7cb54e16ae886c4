package dev.rlhf4j.rlhf.cli.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The subcommands of {@code ./rlhf4j bench}: each parses its options and runs one benchmark of this package. */
public final class BenchCommands {
    private BenchCommands() {
    }

    @Command(name = "matmul", mixinStandardHelpOptions = true,
            description = "Tensor.matmul forward/backward GFLOP/s on GPT-2 small shapes vs direct cblas_sgemm; per-op overhead.")
    public static final class Matmul implements Callable<Integer> {
        @Option(names = "--repeats", defaultValue = "10", description = "timed repetitions per shape (best is kept)")
        int repeats;

        @Override
        public Integer call() {
            MatmulBenchmark.run(System.out, repeats);
            return 0;
        }
    }

    @Command(name = "tokenizer", mixinStandardHelpOptions = true,
            description = "GPT-2 BPE encoding MB/s, rlhf4j vs jtokkit (r50k_base), single thread.")
    public static final class Tokenizer implements Callable<Integer> {
        @Override
        public Integer call() {
            TokenizerBenchmark.run(System.out, TokenizerBenchmark.DEFAULT_BYTES);
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "GPT-2 forward+backward+AdamW step: ms, tokens/s, model FLOP utilisation vs cblas_sgemm, peak memory.")
    public static final class Train implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "gpt2", description = "gpt2, gpt2-medium, ... or small")
        String preset;

        @Option(names = "--batch", defaultValue = "4")
        int batch;

        @Option(names = "--seq", defaultValue = "64")
        int seq;

        @Option(names = "--steps", defaultValue = "5", description = "timed steps (after one warm-up)")
        int steps;

        @Override
        public Integer call() {
            TrainBenchmark.run(System.out, preset, batch, seq, steps);
            return 0;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "KV-cached generation: new tokens/s at batch 1 and batch 8.")
    public static final class Generate implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "gpt2")
        String preset;

        @Option(names = "--new-tokens", defaultValue = "64")
        int newTokens;

        @Override
        public Integer call() {
            GenerateBenchmark.run(System.out, preset, newTokens);
            return 0;
        }
    }

    @Command(name = "reference", mixinStandardHelpOptions = true,
            description = "Reference-model strategies (frozen, bf16, f16, offloaded, precomputed, periodic, synchronised):"
                    + " memory each adds beyond the policy and the time of one reference pass, vs the frozen float32 copy.")
    public static final class Reference implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "gpt2")
        String preset;

        @Option(names = "--batch", defaultValue = "4")
        int batch;

        @Option(names = "--seq", defaultValue = "128")
        int seq;

        @Option(names = "--repeats", defaultValue = "3", description = "timed rounds over all strategies (best is kept)")
        int repeats;

        @Option(names = "--no-rss", description = "skip the child processes that measure each strategy's peak RSS")
        boolean noRss;

        @Override
        public Integer call() {
            ReferenceBenchmark.run(System.out, preset, batch, seq, repeats, !noRss);
            return 0;
        }
    }

    @Command(name = "ppo", mixinStandardHelpOptions = true,
            description = "One PPO iteration (PpoTrainer.iterate: generation, scoring, reference, training) in training steps of the"
                    + " same model, batch and length; its tokens/s. The table goes to stderr.")
    public static final class Ppo implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "gpt2", description = "gpt2, gpt2-medium, ... or small, tiny")
        String preset;

        @Option(names = "--batch", defaultValue = "4", description = "prompts per iteration")
        int batch;

        @Option(names = "--seq", defaultValue = "64", description = "prompt + response tokens per row")
        int seq;

        @Option(names = "--response-length", defaultValue = "32", description = "new tokens per completion")
        int response;

        @Option(names = "--critic", defaultValue = "shared",
                description = "shared (value head on the actor's trunk) or separate (a GPT-2 from the reward model)")
        String critic;

        @Option(names = "--epochs", defaultValue = "1", description = "num_ppo_epochs")
        int epochs;

        @Option(names = "--minibatches", defaultValue = "1", description = "num_mini_batches")
        int miniBatches;

        @Option(names = "--iterations", defaultValue = "3", description = "timed rounds (after one warm-up); the median is kept")
        int iterations;

        @Override
        public Integer call() {
            PpoBenchmark.run(System.out, System.err, preset, batch, seq, response, PpoBenchmark.separateCritic(critic), epochs,
                    miniBatches, iterations);
            return 0;
        }
    }

    @Command(name = "dpo", mixinStandardHelpOptions = true,
            description = "One DPO optimizer step (2B rows, frozen reference) in training steps of the same model, batch and length;"
                    + " its tokens/s. The table goes to stderr.")
    public static final class Dpo implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "gpt2", description = "gpt2, gpt2-medium, ... or small, tiny")
        String preset;

        @Option(names = "--batch", defaultValue = "4", description = "preference pairs per step (twice as many rows)")
        int batch;

        @Option(names = "--seq", defaultValue = "64", description = "prompt + response tokens per row")
        int seq;

        @Option(names = "--response-length", defaultValue = "32", description = "tokens of each chosen and rejected completion")
        int response;

        @Option(names = "--iterations", defaultValue = "3", description = "timed rounds (after one warm-up); the median is kept")
        int iterations;

        @Override
        public Integer call() {
            DpoBenchmark.run(System.out, System.err, preset, batch, seq, response, iterations);
            return 0;
        }
    }

    @Command(name = "rollouts", mixinStandardHelpOptions = true,
            description = "Rollouts (sampling, reward model, reference) on a Spark application vs in this process, same prompts and"
                    + " seeds: tokens/s of each, their ratio (target >= 0.8), bytes broadcast per iteration. The log goes to stderr.")
    public static final class Rollouts implements Callable<Integer> {
        @Option(names = "--master", defaultValue = "local-cluster[2,1,4096]", paramLabel = "URL",
                description = "the Spark master; default: ${DEFAULT-VALUE} (two executor JVMs of one core)")
        String master;

        @Option(names = "--preset", defaultValue = "small", description = "gpt2, gpt2-medium, ... or small, tiny")
        String preset;

        @Option(names = "--prompts", defaultValue = "16", description = "rows per iteration")
        int prompts;

        @Option(names = "--new-tokens", defaultValue = "64", description = "tokens sampled per row")
        int newTokens;

        @Option(names = "--shard", defaultValue = "8", description = "local_rollout_forward_batch_size")
        int shard;

        @Option(names = "--iterations", defaultValue = "5", description = "timed steps (after one warm-up)")
        int iterations;

        @Override
        public Integer call() {
            RolloutBenchmark.run(System.out, System.err, master, preset, prompts, newTokens, shard, iterations);
            return 0;
        }
    }
}
