package dev.rlhf4j.nn.lora;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a LoRA adapter is (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"), with the fields and
 * matching rules of PEFT's {@code LoraConfig}: each targeted layer {@code y = x W + b} becomes
 * {@code y = x W + b + scaling * dropout(x) A^T B^T} with A (r, in), B (out, r) and {@code scaling = alpha / r}
 * ({@code alpha / sqrt(r)} with rsLoRA).
 *
 * @param r the rank of every adapted layer unless {@code rankPattern} names it
 * @param loraAlpha alpha of every adapted layer unless {@code alphaPattern} names it
 * @param loraDropout dropout on the adapter's input in training mode, in [0, 1)
 * @param targetModules module-name suffixes to adapt ({@code c_attn} adapts {@code transformer.h.0.attn.c_attn}),
 *     or null when {@code targetRegex} is given
 * @param targetRegex a regular expression that must match the whole module name, or null (PEFT: a string
 *     {@code target_modules}); {@code all-linear} adapts every linear layer except the output heads
 * @param useRslora rank-stabilised scaling {@code alpha / sqrt(r)}
 * @param rankPattern per-layer ranks: key = a module-name suffix or regex, as PEFT's {@code rank_pattern}
 * @param alphaPattern per-layer alphas, as PEFT's {@code alpha_pattern}
 * @param baseModelNameOrPath written into {@code adapter_config.json}; may be null
 *
 * <p>Serializable, so that an executor can attach the driver's adapters; deserialization runs the canonical
 * constructor, which keeps the pattern maps in their order.
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, List<String> targetModules, String targetRegex,
                         boolean useRslora, Map<String, Integer> rankPattern, Map<String, Double> alphaPattern,
                         String baseModelNameOrPath) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** PEFT's shorthand for every linear layer but the output head. */
    public static final String ALL_LINEAR = "all-linear";
    /** Output heads that {@link #ALL_LINEAR} leaves alone (PEFT: the LM head and sequence-classification heads). */
    private static final List<String> HEADS = List.of("lm_head", "score", "classifier", "summary");

    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("LoraConfig: rank r must be positive, got " + r);
        }
        if (!Double.isFinite(loraAlpha)) {
            throw new IllegalArgumentException("LoraConfig: lora_alpha must be finite, got " + loraAlpha);
        }
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw new IllegalArgumentException("LoraConfig: lora_dropout must be in [0, 1), got " + loraDropout);
        }
        if ((targetModules == null) == (targetRegex == null)) {
            throw new IllegalArgumentException("LoraConfig: give target_modules either as names or as one regex, not "
                    + (targetModules == null ? "neither" : "both"));
        }
        if (targetModules != null && targetModules.isEmpty()) {
            throw new IllegalArgumentException("LoraConfig: target_modules is empty; name at least one module (e.g. c_attn)");
        }
        if (targetRegex != null && !targetRegex.equals(ALL_LINEAR)) {
            compile("target_modules", targetRegex);
        }
        targetModules = targetModules == null ? null : List.copyOf(targetModules);
        rankPattern = Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern));      // PEFT takes the first match
        alphaPattern = Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
        rankPattern.forEach((k, v) -> {
            if (v <= 0) {
                throw new IllegalArgumentException("LoraConfig: rank_pattern '" + k + "' gives rank " + v + ", must be positive");
            }
        });
    }

    /** Rank r, alpha, no dropout, adapting the named modules (e.g. {@code "c_attn", "c_proj", "c_fc"}). */
    public static LoraConfig of(int r, double alpha, String... targetModules) {
        return new LoraConfig(r, alpha, 0.0, List.of(targetModules), null, false, Map.of(), Map.of(), null);
    }

    /** PEFT's default targets for GPT-2: the attention's {@code c_attn} only. */
    public static LoraConfig gpt2Attention(int r, double alpha) {
        return of(r, alpha, "c_attn");
    }

    /** Every GPT-2 projection: {@code c_attn}, {@code c_proj} (attention and MLP) and {@code c_fc}. */
    public static LoraConfig gpt2AllProjections(int r, double alpha) {
        return of(r, alpha, "c_attn", "c_proj", "c_fc");
    }

    public LoraConfig withDropout(double p) {
        return new LoraConfig(r, loraAlpha, p, targetModules, targetRegex, useRslora, rankPattern, alphaPattern, baseModelNameOrPath);
    }

    public LoraConfig withRslora(boolean on) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, on, rankPattern, alphaPattern, baseModelNameOrPath);
    }

    public LoraConfig withPatterns(Map<String, Integer> ranks, Map<String, Double> alphas) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, useRslora, ranks, alphas, baseModelNameOrPath);
    }

    public LoraConfig withBaseModel(String nameOrPath) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, useRslora, rankPattern, alphaPattern, nameOrPath);
    }

    /**
     * PEFT's {@code check_target_module_exists}: a regex must match the whole name; a list matches a name equal to
     * an entry or ending in {@code "." + entry}.
     */
    public boolean targets(String moduleName) {
        if (targetRegex != null) {
            if (targetRegex.equals(ALL_LINEAR)) {
                return HEADS.stream().noneMatch(h -> moduleName.equals(h) || moduleName.endsWith("." + h));
            }
            return compile("target_modules", targetRegex).matcher(moduleName).matches();
        }
        return targetModules.stream().anyMatch(t -> moduleName.equals(t) || moduleName.endsWith("." + t));
    }

    /** The rank of layer {@code moduleName}: {@code rank_pattern}'s entry for it, else r. */
    public int rank(String moduleName) {
        return rankPattern.getOrDefault(patternKey(rankPattern, moduleName), r);
    }

    /** The alpha of layer {@code moduleName}: {@code alpha_pattern}'s entry for it, else lora_alpha. */
    public double alpha(String moduleName) {
        return alphaPattern.getOrDefault(patternKey(alphaPattern, moduleName), loraAlpha);
    }

    /** {@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA (Kalajdzievski 2023). */
    public double scaling(String moduleName) {
        int rank = rank(moduleName);
        return useRslora ? alpha(moduleName) / Math.sqrt(rank) : alpha(moduleName) / rank;
    }

    /** PEFT's {@code get_pattern_key}: the first key k with {@code re.match(rf"(.*\.)?({k})$", name)}, else the name. */
    private static String patternKey(Map<String, ?> patterns, String moduleName) {
        for (String key : patterns.keySet()) {
            if (compile("pattern", "(.*\\.)?(" + key + ")").matcher(moduleName).matches()) {
                return key;
            }
        }
        return moduleName;
    }

    private static Pattern compile(String field, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("LoraConfig: " + field + " '" + regex + "' is not a regular expression: "
                    + e.getDescription(), e);
        }
    }
}
