package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.cli.bench.BenchCommands;
import picocli.CommandLine.Command;

/**
 * {@code ./rlhf4j bench <what>}: benchmarks that print one JSON object per line,
 * {@code {"bench", "value", "unit", "baseline", "ratio"}}, every baseline measured in the same run. Each one is a
 * class in {@link dev.rlhf4j.rlhf.cli.bench}, its options in {@link BenchCommands}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (JSON lines, baselines measured in the same run).",
        subcommands = {
            BenchCommands.Dpo.class,
            BenchCommands.Generate.class,
            BenchCommands.Matmul.class,
            BenchCommands.Ppo.class,
            BenchCommands.Reference.class,
            BenchCommands.Rollouts.class,
            BenchCommands.Tokenizer.class,
            BenchCommands.Train.class,
        })
public final class BenchCommand {
}
