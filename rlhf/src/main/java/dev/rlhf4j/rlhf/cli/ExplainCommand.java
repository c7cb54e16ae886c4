package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.explain.ExplainRun;
import dev.rlhf4j.rlhf.explain.TinyPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./rlhf4j explain ppo|grpo|rloo|dpo [--model DIR] [--data FILE] [--seed S] [--json FILE] [--markdown FILE]}:
 * one update of the real trainer on a tiny model, every intermediate of one sequence printed per token with its
 * formula, then the update's metrics ({@link ExplainRun}). Without {@code --model} the policy is
 * {@link TinyPolicy}'s, built from the seed; without {@code --data} the demo's prompts or preference pairs.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Step through one PPO, GRPO, RLOO or DPO update token by token, the formula beside each number.")
public final class ExplainCommand implements Callable<Integer> {
    /** The algorithms there are. */
    static final List<String> ALGORITHMS = ExplainRun.ALGORITHMS;

    @Parameters(index = "0", paramLabel = "ALGORITHM", description = "ppo, grpo, rloo or dpo")
    String algorithm;

    @Option(names = "--model", paramLabel = "DIR", description = "a GPT-2 folder with its tokenizer; default: a tiny random one built from the seed")
    Path model;

    @Option(names = "--data", paramLabel = "FILE", description = "{\"prompt\"} lines (ppo, grpo, rloo) or {\"prompt\", \"chosen\", \"rejected\"} lines (dpo);"
            + " default: the demo's reviews")
    Path data;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "seeds the tiny model, the data, sampling and the trainer; default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the explanation as JSON (every row, full precision)")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "also write the shown rows as Markdown tables")
    Path markdown;

    @Override
    public Integer call() throws Exception {
        ExplainRun.run(algorithm, model, data, seed, json, markdown, System.out);
        return 0;
    }
}
