package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.rlhf.assembly.GenerateRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j generate --model DIR [--adapter DIR] --prompt TEXT}: continues a prompt with KV-cached decoding,
 * through a PEFT LoRA adapter if one is given. Greedy by default; {@code --temperature} (with optional
 * {@code --top-k}, {@code --top-p}) samples, seeded ({@link GenerateRun}).
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
        GenerateRun.run(model, adapter, prompt, promptIds == null ? null : () -> TokenIds.parse(promptIds),
                eos -> GenerationConfig.of(maxNewTokens, temperature, topK, topP, eos, seed), showLogprobs);
        return 0;
    }
}
