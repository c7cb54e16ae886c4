package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.GenerationResult;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * {@code ./rlhf4j generate}'s run: a model folder (and adapter) continues a prompt given as text (through the folder's
 * tokenizer) or as ids; the continuation goes to stdout, decoded when there is a tokenizer, the speed to stderr.
 */
public final class GenerateRun {
    private GenerateRun() {
    }

    /**
     * Continues the prompt, {@code promptIds} (null: absent) before {@code prompt}; {@code config} is given the
     * tokenizer's end-of-sequence id (-1 without one) and {@code showLogprobs} adds a line per new token.
     */
    public static void run(Path model, Path adapter, String prompt, Supplier<int[]> promptIds,
                           IntFunction<GenerationConfig> config, boolean showLogprobs) {
        CausalLM m = ModelDirectory.model(model, adapter);
        Optional<Gpt2Tokenizer> tokenizer = ModelDirectory.tokenizer(model, m.config().vocabSize());
        int[] ids;
        if (promptIds != null) {
            ids = promptIds.get();
        } else if (prompt != null) {
            Gpt2Tokenizer t = tokenizer.orElseThrow(() -> new IllegalArgumentException(
                    "no tokenizer files in " + model + " and vocabulary size " + m.config().vocabSize() + " is not GPT-2's: use --prompt-ids"));
            ids = t.encode(prompt);
        } else {
            throw new IllegalArgumentException("give --prompt TEXT or --prompt-ids 1,2,3");
        }
        if (ids.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        int eos = tokenizer.map(Gpt2Tokenizer::eosTokenId).filter(e -> e < m.config().vocabSize()).orElse(-1);
        GenerationConfig c = config.apply(eos);
        long start = System.nanoTime();
        GenerationResult result = new Generator(m).generate(ids, c);
        double seconds = (System.nanoTime() - start) / 1e9;
        int[] fresh = result.tokens()[0];
        if (tokenizer.isPresent()) {
            System.out.println(tokenizer.get().decode(result.sequences()[0]));   // one decode: a character may span the boundary
        } else {
            System.out.println(Arrays.toString(ids) + " -> " + Arrays.toString(fresh));
        }
        if (showLogprobs) {
            for (int i = 0; i < fresh.length; i++) {
                int id = fresh[i];
                String shown = tokenizer.map(t -> quote(t.decode(new int[] {id}))).orElse("");
                System.out.printf(Locale.ROOT, "%6d  %-16s %.4f%n", id, shown, result.logprobs()[0][i]);
            }
        }
        System.err.printf(Locale.ROOT, "%d new tokens in %.2f s (%.1f tokens/s)%n", fresh.length, seconds, fresh.length / seconds);
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", "\\n") + "'";
    }
}
