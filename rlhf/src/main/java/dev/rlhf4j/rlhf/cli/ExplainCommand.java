package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.assembly.ModelDirectory;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.explain.DpoExplainer;
import dev.rlhf4j.rlhf.explain.Explanation;
import dev.rlhf4j.rlhf.explain.GroupExplainer;
import dev.rlhf4j.rlhf.explain.PpoExplainer;
import dev.rlhf4j.rlhf.explain.TinyPolicy;
import dev.rlhf4j.rlhf.train.PreferenceExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./rlhf4j explain ppo|grpo|rloo|dpo [--model DIR] [--data FILE] [--seed S] [--json FILE] [--markdown FILE]}:
 * one update of the real trainer on a tiny model, every intermediate of one sequence printed per token with its
 * formula, then the update's metrics (see {@code rlhf.explain}). Without {@code --model} the policy is
 * {@link TinyPolicy}'s, built from the seed; without {@code --data} the demo's prompts or preference pairs.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Step through one PPO, GRPO, RLOO or DPO update token by token, the formula beside each number.")
public final class ExplainCommand implements Callable<Integer> {
    /** The algorithms there are. */
    static final List<String> ALGORITHMS = List.of("ppo", "grpo", "rloo", "dpo");

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
        if (!ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("no algorithm '" + algorithm + "' to explain; there are " + String.join(", ", ALGORITHMS));
        }
        CausalLM policy;
        Gpt2Tokenizer tokenizer;
        if (model == null) {
            TinyPolicy tiny = TinyPolicy.of(seed);
            policy = tiny.model();
            tokenizer = tiny.tokenizer();
        } else {
            policy = ModelDirectory.model(model);
            CausalLM loaded = policy;
            tokenizer = ModelDirectory.tokenizer(model, policy.config().vocabSize()).orElseThrow(() -> {
                loaded.release();
                return new IllegalArgumentException("--model " + model + " has no tokenizer files (vocab.json + merges.txt)");
            });
        }
        try {
            Explanation e = explain(policy, tokenizer);
            System.out.print(e.text());
            if (json != null) {
                e.writeJson(json);
            }
            if (markdown != null) {
                Files.writeString(markdown, e.markdown(), StandardCharsets.UTF_8);
            }
        } finally {
            policy.release();
        }
        return 0;
    }

    private Explanation explain(CausalLM policy, Gpt2Tokenizer tokenizer) {
        int positions = policy.config().maxPositions();
        if (algorithm.equals("dpo")) {
            List<PreferenceExample> pairs = data == null ? TinyPolicy.pairs(tokenizer, DpoExplainer.BATCH, seed)
                    : new ExampleTokenizer(tokenizer, new TokenLimits(positions / 2, positions, true))
                            .preferences(JsonLines.readPreferences(data)).examples();
            try (DpoExplainer x = new DpoExplainer(policy, tokenizer, pairs, seed)) {
                return x.explain(0);
            }
        }
        int newTokens = algorithm.equals("ppo") ? PpoExplainer.config(seed).rollout().responseLength() : GroupExplainer.NEW_TOKENS;
        List<int[]> prompts = data == null ? TinyPolicy.prompts(tokenizer, PpoExplainer.BATCH, seed)
                : new ExampleTokenizer(tokenizer, new TokenLimits(positions - newTokens, positions, false))
                        .prompts(JsonLines.readPrompts(data)).examples();
        if (algorithm.equals("ppo")) {
            try (PpoExplainer x = new PpoExplainer(policy, tokenizer, prompts, seed)) {
                return x.explain(0);
            }
        }
        try (GroupExplainer x = new GroupExplainer(algorithm.equals("grpo"), policy, tokenizer, prompts, seed)) {
            return x.explain(0);
        }
    }
}
