package dev.rlhf4j.nn.lora;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA adapter on a whole model, PEFT's {@code LoraModel}: one {@link LoraLinear} on every linear layer that
 * {@link LoraConfig#targets} names, the base model frozen, so that an optimizer given {@link #parameters()} trains
 * the adapter only. The base model keeps running as before (its layers carry the adapters); this object switches
 * them on and off together, merges them, and loads and saves them in PEFT's folder layout ({@link PeftAdapter}).
 *
 * <p>The reference model of RLHF comes for free: {@code try (var off = lora.disabled()) { ... }} runs the base
 * model exactly, with no second copy of any weight.
 */
public final class LoraModel implements Module {
    private final Module base;
    private final LoraConfig config;
    private final Map<String, LoraLinear> layers;          // by module name, in checkpoint order
    private final ObjectNode sourceConfig;                 // adapter_config.json as read, or null for a new adapter

    private LoraModel(Module base, LoraConfig config, Map<String, LoraLinear> layers, ObjectNode sourceConfig) {
        this.base = base;
        this.config = config;
        this.layers = Collections.unmodifiableMap(layers);
        this.sourceConfig = sourceConfig;
    }

    /**
     * A new adapter on {@code base} (PEFT's {@code get_peft_model}): A random, B zero in every targeted layer, so the
     * model's outputs are unchanged until training moves B; every base parameter is frozen.
     */
    public static LoraModel create(Module base, LoraConfig config, TensorRandom init) {
        LoraModel lora = attach(base, config, null);
        lora.layers.values().forEach(l -> l.initialize(init));
        base.freeze();
        return lora;
    }

    /** Loads a PEFT adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors}) onto {@code base}. */
    public static LoraModel load(Module base, Path dir) {
        return PeftAdapter.load(base, dir);
    }

    /** Writes this adapter as a PEFT folder that {@code PeftModel.from_pretrained} loads. */
    public void save(Path dir) {
        PeftAdapter.save(this, dir);
    }

    /** Wraps every targeted linear layer of {@code base} with zero factors; the caller freezes {@code base} once they are filled. */
    static LoraModel attach(Module base, LoraConfig config, ObjectNode sourceConfig) {
        Map<String, Linear> linears = base.namedLinears();
        Map<String, LoraLinear> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : linears.entrySet()) {
            String name = e.getKey();
            if (config.targets(name)) {
                layers.put(name, LoraLinear.wrap(e.getValue(), config.rank(name), config.scaling(name), config.loraDropout()));
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("LoRA: target modules " + (config.targetModules() != null ? config.targetModules()
                    : "'" + config.targetRegex() + "'") + " match none of the model's " + linears.size() + " linear layers"
                    + (linears.isEmpty() ? "" : " (e.g. " + linears.keySet().iterator().next() + ")"));
        }
        return new LoraModel(base, config, layers, sourceConfig);
    }

    public Module base() {
        return base;
    }

    public LoraConfig config() {
        return config;
    }

    /** The adapted layers by module name ({@code transformer.h.0.attn.c_attn}), in checkpoint order. */
    public Map<String, LoraLinear> layers() {
        return layers;
    }

    /** The {@code adapter_config.json} this adapter was loaded from, or null: saving writes it back unchanged. */
    ObjectNode sourceConfig() {
        return sourceConfig;
    }

    public void enable() {
        layers.values().forEach(LoraLinear::enable);
    }

    /** The base model exactly (merged updates are taken out first). */
    public void disable() {
        layers.values().forEach(LoraLinear::disable);
    }

    public boolean isEnabled() {
        return layers.values().iterator().next().isEnabled();
    }

    /**
     * Disables the adapter until the returned scope closes, then restores the previous state (PEFT's
     * {@code with model.disable_adapter():}): the reference pass of RLHF when the policy trains through LoRA.
     */
    public Scope disabled() {
        boolean wasEnabled = isEnabled();
        disable();
        return () -> {
            if (wasEnabled) {
                enable();
            }
        };
    }

    /** A try-with-resources scope whose close cannot fail. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Folds every update into its base weight: inference at the base model's cost. */
    public void merge() {
        layers.values().forEach(LoraLinear::merge);
    }

    public void unmerge() {
        layers.values().forEach(LoraLinear::unmerge);
    }

    public boolean isMerged() {
        return layers.values().iterator().next().isMerged();
    }

    /** PEFT's {@code merge_and_unload()}: the updates stay in the base weights, the adapters are removed and freed. */
    public void mergeAndUnload() {
        layers.values().forEach(l -> l.remove(true));
    }

    /** PEFT's {@code unload()}: the base weights are restored, the adapters removed and freed. */
    public void unload() {
        layers.values().forEach(l -> l.remove(false));
    }

    /** Frees the factors after restoring the base layers ({@link #unload}): the base model stays usable. */
    @Override
    public void release() {
        unload();
    }

    /**
     * Training mode for the adapters: dropout on their inputs, drawn from {@code random}. The base model's own
     * {@code train} does not reach them.
     */
    public void train(TensorRandom random) {
        layers.values().forEach(l -> l.train(random));
    }

    public void eval() {
        layers.values().forEach(LoraLinear::eval);
    }

    /** The adapter's factors only, {@code <module>.lora_A.weight} / {@code .lora_B.weight}: what an optimizer trains. */
    @Override
    public void collectParameters(Map<String, Tensor> out) {
        layers.values().forEach(l -> l.collectParameters(out));
    }
}
