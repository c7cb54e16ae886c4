package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.nn.lora.LoraConfig;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Optional LoRA adapters on the policy (PEFT's {@code LoraConfig}), as a picocli mixin of {@code ppo}, {@code dpo},
 * {@code grpo} and {@code rloo}: given {@code --lora-r}, only the adapters train and the run saves them in PEFT layout.
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

    /** The adapter configuration, or null without {@code --lora-r}. */
    LoraConfig config() {
        if (r == null) {
            return null;
        }
        if (r <= 0) {
            throw new IllegalArgumentException("--lora-r must be positive, got " + r);
        }
        if (targetModules == null) {
            return LoraConfig.gpt2Attention(r, alpha);
        }
        return targetModules.equals(List.of(LoraConfig.ALL_LINEAR))
                ? new LoraConfig(r, alpha, 0.0, null, LoraConfig.ALL_LINEAR, false, Map.of(), Map.of(), null)
                : LoraConfig.of(r, alpha, targetModules.toArray(String[]::new));
    }
}
