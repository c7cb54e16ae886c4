package dev.rlhf4j.rlhf.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.assembly.ModelDirectory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j forward --model DIR [--adapter DIR] --ids 1,2,3}: the logits of every position as JSON,
 * {@code [[...V floats...], ...]}, to compare with other implementations (e.g. Hugging Face's
 * {@code model(ids).logits}, or peft's with a LoRA adapter).
 */
@Command(name = "forward", mixinStandardHelpOptions = true, description = "Print the logits of every position as JSON.")
public final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--model", converter = InputPaths.Directory.class, required = true, description = "directory with config.json and model.safetensors")
    Path model;

    @Option(names = "--adapter", converter = InputPaths.Directory.class, description = "a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) applied on top of --model")
    Path adapter;

    @Option(names = "--ids", required = true, description = "token ids, e.g. 1,2,3")
    String ids;

    @Override
    public Integer call() throws Exception {
        CausalLM m = ModelDirectory.model(model, adapter);
        int[] tokens = TokenIds.parse(ids);
        int vocab = m.config().vocabSize();
        for (int id : tokens) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("--ids: token " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (tokens.length > m.config().maxPositions()) {
            throw new IllegalArgumentException("--ids: " + tokens.length + " tokens exceed n_positions " + m.config().maxPositions());
        }
        double[][] logits = m.logits(tokens);
        for (int t = 0; t < logits.length; t++) {
            for (double x : logits[t]) {
                if (!Double.isFinite(x)) {
                    throw new IllegalStateException(model + ": the model gives non-finite logits at position " + t
                            + " (corrupt or diverged weights?)");
                }
            }
        }
        System.out.println(new ObjectMapper().writeValueAsString(logits));
        return 0;
    }
}
