package dev.rlhf4j.rlhf.explain;

import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.assembly.ModelDirectory;
import dev.rlhf4j.rlhf.data.ExampleTokenizer;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.TokenLimits;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./rlhf4j explain}'s run: the policy (a model folder, or {@link TinyPolicy}'s from the seed), the data (a
 * JSON-lines file, or the demo's), one explainer's update, its text printed and optionally written as JSON and Markdown.
 */
public final class ExplainRun {
    /** The algorithms there are. */
    public static final List<String> ALGORITHMS = List.of("ppo", "grpo", "rloo", "dpo");

    private ExplainRun() {
    }

    /** Explains {@code algorithm} on {@code model} (null: a tiny one) and {@code data} (null: the demo's); json and markdown may be null. */
    public static void run(String algorithm, Path model, Path data, long seed, Path json, Path markdown, PrintStream out)
            throws IOException {
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
            Explanation e = explain(algorithm, policy, tokenizer, data, seed);
            out.print(e.text());
            if (json != null) {
                e.writeJson(json);
            }
            if (markdown != null) {
                Files.writeString(markdown, e.markdown(), StandardCharsets.UTF_8);
            }
        } finally {
            policy.release();
        }
    }

    /** One update of {@code algorithm}'s trainer on {@code policy}, the first sequence explained. */
    static Explanation explain(String algorithm, CausalLM policy, Gpt2Tokenizer tokenizer, Path data, long seed) {
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
