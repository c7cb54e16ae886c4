package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Optional LoRA adapters on the policy (PEFT's {@code LoraConfig}), as a picocli mixin of {@code ppo} and {@code dpo}:
 * given {@code --lora-r}, only the adapters train and the run saves them in PEFT layout.
 */
final class LoraOptions {
    @Option(names = "--lora-r", paramLabel = "R", description = "train LoRA adapters of rank R instead of the whole policy")
    Integer r;

    @Option(names = "--lora-alpha", paramLabel = "X", description = "LoRA alpha; scaling alpha / r (default: PEFT's ${DEFAULT-VALUE})",
            defaultValue = "8")
    double alpha;

    @Option(names = "--lora-target-modules", paramLabel = "NAME", split = ",",
            description = "module-name suffixes to adapt, or all-linear (default: PEFT's for GPT-2, c_attn)")
    List<String> targetModules;

    boolean enabled() {
        return r != null;
    }

    /** The adapters' rank, 0 without {@code --lora-r}. */
    int rank() {
        if (enabled() && r <= 0) {
            throw new IllegalArgumentException("--lora-r must be positive, got " + r);
        }
        return enabled() ? r : 0;
    }

    /** The adapter configuration, or null without {@code --lora-r}. */
    LoraConfig config() {
        if (!enabled()) {
            return null;
        }
        if (targetModules == null) {
            return LoraConfig.gpt2Attention(r, alpha);
        }
        return targetModules.equals(List.of(LoraConfig.ALL_LINEAR))
                ? new LoraConfig(r, alpha, 0.0, null, LoraConfig.ALL_LINEAR, false, java.util.Map.of(), java.util.Map.of(), null)
                : LoraConfig.of(r, alpha, targetModules.toArray(String[]::new));
    }

    /** New adapters on {@code policy} (A drawn from {@code seed}, B zero), its base frozen; null without {@code --lora-r}. */
    LoraModel attach(CausalLM policy, long seed) {
        return enabled() ? LoraModel.create(policy, config(), new TensorRandom(seed)) : null;
    }
}
