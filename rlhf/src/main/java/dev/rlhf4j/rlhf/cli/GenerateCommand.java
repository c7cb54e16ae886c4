package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.GenerationResult;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.assembly.ModelDirectory;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j generate --model DIR [--adapter DIR] --prompt TEXT}: continues a prompt with KV-cached decoding,
 * through a PEFT LoRA adapter if one is given. Greedy by default; {@code --temperature} (with optional
 * {@code --top-k}, {@code --top-p}) samples, seeded.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Continue a prompt with a GPT-2 checkpoint.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", converter = InputPaths.Directory.class, required = true, description = "directory with config.json and model.safetensors")
    Path model;

    @Option(names = "--adapter", converter = InputPaths.Directory.class, description = "a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) applied on top of --model")
    Path adapter;

    @Option(names = "--prompt", description = "prompt text (tokenized with the model's tokenizer)")
    String prompt;

    @Option(names = "--prompt-ids", description = "prompt as token ids, e.g. 1,2,3 (instead of --prompt)")
    String promptIds;

    @Option(names = "--max-new-tokens", defaultValue = "32")
    int maxNewTokens;

    @Option(names = "--temperature", description = "sample at this temperature (default: greedy)")
    Double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens (0: all)")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling threshold (1: off)")
    double topP;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--show-logprobs", description = "print each new token with its log-prob under the sampled distribution")
    boolean showLogprobs;

    @Override
    public Integer call() {
        CausalLM m = ModelDirectory.model(model, adapter);
        Optional<Gpt2Tokenizer> tokenizer = ModelDirectory.tokenizer(model, m.config().vocabSize());
        int[] ids;
        if (promptIds != null) {
            ids = TokenIds.parse(promptIds);
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
        // any sampling option, valid or not, goes through the sampling config, whose checks name a bad value
        boolean sample = temperature != null || topK != 0 || topP != 1.0;
        GenerationConfig config = sample
                ? GenerationConfig.sampling(maxNewTokens, temperature == null ? 1.0 : temperature, topK, topP, eos, seed)
                : GenerationConfig.greedy(maxNewTokens, eos);
        long start = System.nanoTime();
        GenerationResult result = new Generator(m).generate(ids, config);
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
        return 0;
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", "\\n") + "'";
    }
}
