package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.memory.MemoryPlanner;
import dev.rlhf4j.rlhf.memory.ModelShape;
import dev.rlhf4j.rlhf.memory.Workload;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j memory --preset gpt2 --algo ppo --dtype fp32 --batch 4 --seq 128}: the memory of one training step,
 * a row per model (actor, critic, reward, reference) and a column per kind (weights, gradients, AdamW moments,
 * activations, KV cache), from the model's sizes alone: nothing is allocated ({@link MemoryPlanner}).
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Plan the memory of one RLHF step: a row per model, a column per kind of memory.")
public final class MemoryCommand implements Callable<Integer> {
    /** Where the model's sizes come from: a preset or a Hugging Face directory. */
    static final class Source {
        @Option(names = "--preset", required = true,
                description = "gpt2, gpt2-medium, gpt2-large, gpt2-xl, tiny, small, llama-7b, llama-13b, llama-70b, llama3-8b")
        String preset;

        @Option(names = "--model", required = true, description = "a GPT-2 directory with config.json")
        Path model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--algo", required = true, description = "ppo, grpo, rloo, dpo or sft")
    String algo;

    @Option(names = "--dtype", defaultValue = "fp32", description = "parameter type: fp32, bf16, fp16 (default ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--reference", description = "copy (default), half, offloaded, lora or precomputed")
    String reference;

    @Option(names = "--lora-rank", description = "the rank of the actor's adapters with --reference lora (default "
            + Workload.DEFAULT_LORA_RANK + ")")
    Integer loraRank;

    @Option(names = "--batch", required = true, description = "B: prompts (pairs for dpo) per step")
    int batch;

    @Option(names = "--seq", required = true, description = "T: positions per sequence, prompt and response together")
    int seq;

    @Override
    public Integer call() {
        Workload w = Workload.parse(() -> source.preset != null ? ModelShape.preset(source.preset) : ModelShape.read(source.model),
                algo, dtype, reference, loraRank, batch, seq);
        System.out.print(MemoryPlanner.plan(w).table());
        return 0;
    }
}
