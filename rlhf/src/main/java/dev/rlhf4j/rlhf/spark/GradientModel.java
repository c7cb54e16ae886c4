package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;

/**
 * The shape of a policy as a task can carry it: the model's configuration (serializable, of any family), the type
 * the weights are held in and, for a policy trained through LoRA, the adapters' configuration. {@code LoraConfig} is a
 * record of nn that knows nothing of serialization; its fields travel here and are put back together on the executor.
 */
public record GradientModel(ModelConfig config, DType type, Lora lora) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** {@code LoraConfig}'s fields (the pattern maps in their order, which decides which pattern wins). */
    public record Lora(int r, double loraAlpha, double loraDropout, ArrayList<String> targetModules, String targetRegex,
                       boolean useRslora, LinkedHashMap<String, Integer> rankPattern, LinkedHashMap<String, Double> alphaPattern,
                       String baseModelNameOrPath) implements Serializable {
        private static final long serialVersionUID = 1L;

        LoraConfig config() {
            return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, useRslora, rankPattern, alphaPattern,
                    baseModelNameOrPath);
        }
    }

    /** The shape of {@code policy}, with {@code lora}'s adapters when not null. */
    public static GradientModel of(CausalLM policy, LoraModel lora) {
        Lora adapters = null;
        if (lora != null) {
            LoraConfig l = lora.config();
            adapters = new Lora(l.r(), l.loraAlpha(), l.loraDropout(), l.targetModules() == null ? null : new ArrayList<>(l.targetModules()),
                    l.targetRegex(), l.useRslora(), new LinkedHashMap<>(l.rankPattern()), new LinkedHashMap<>(l.alphaPattern()),
                    l.baseModelNameOrPath());
        }
        return of(policy.config(), policy.dtype(), adapters);
    }

    /** The shape of a model of {@code config} held in {@code type}, without adapters (a reward model's trunk). */
    public static GradientModel of(ModelConfig config, DType type) {
        return of(config, type, null);
    }

    private static GradientModel of(ModelConfig c, DType type, Lora adapters) {
        return new GradientModel(c, type, adapters);
    }

    /** A policy of this shape in {@link #type}; its weights are whatever the constructor gives until a snapshot is copied in. */
    public CausalLM policy() {
        return AutoModel.create(config(), type);
    }

    /** A model of this configuration stored in {@code storage} (a reference copy). */
    public CausalLM model(DType storage) {
        return AutoModel.create(config(), storage);
    }

    /** Adapters of {@link #lora}'s configuration on {@code policy} (their factors overwritten by the first snapshot). */
    public LoraModel attach(CausalLM policy) {
        return LoraModel.create(policy, lora.config(), new TensorRandom(0));
    }
}
