package dev.rlhf4j.rlhf.spark;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.lora.LoraConfig;
import dev.rlhf4j.nn.lora.LoraModel;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;

/**
 * The shape of a policy as a task can carry it: the GPT-2 configuration, the type the weights are held in and, for
 * a policy trained through LoRA, the adapters' configuration. {@code Gpt2Config} and {@code LoraConfig} are records
 * of nn, which knows nothing of serialization; their fields travel here and are put back together on the executor.
 */
public record GradientModel(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize, double layerNormEpsilon,
                            String activationFunction, String dtypeName, int bosTokenId, int eosTokenId, double embdPdrop,
                            double attnPdrop, double residPdrop, DType type, Lora lora) implements Serializable {
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
    public static GradientModel of(Gpt2LMHeadModel policy, LoraModel lora) {
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
    public static GradientModel of(Gpt2Config config, DType type) {
        return of(config, type, null);
    }

    private static GradientModel of(Gpt2Config c, DType type, Lora adapters) {
        return new GradientModel(c.nLayer(), c.nHead(), c.nEmbd(), c.nPositions(), c.vocabSize(), c.layerNormEpsilon(),
                c.activationFunction(), c.dtype(), c.bosTokenId(), c.eosTokenId(), c.embdPdrop(), c.attnPdrop(), c.residPdrop(),
                type, adapters);
    }

    public Gpt2Config config() {
        return new Gpt2Config(nLayer, nHead, nEmbd, nPositions, vocabSize, layerNormEpsilon, activationFunction, dtypeName,
                bosTokenId, eosTokenId, embdPdrop, attnPdrop, residPdrop);
    }

    /** A policy of this shape in {@link #type}; its weights are whatever the constructor gives until a snapshot is copied in. */
    public Gpt2LMHeadModel policy() {
        return new Gpt2LMHeadModel(config(), type);
    }

    /** A model of this configuration stored in {@code storage} (a reference copy). */
    public Gpt2LMHeadModel model(DType storage) {
        return new Gpt2LMHeadModel(config(), storage);
    }

    /** Adapters of {@link #lora}'s configuration on {@code policy} (their factors overwritten by the first snapshot). */
    public LoraModel attach(Gpt2LMHeadModel policy) {
        return LoraModel.create(policy, lora.config(), new TensorRandom(0));
    }
}
