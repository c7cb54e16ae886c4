package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.LmHead;
import java.nio.file.Path;
import java.util.Map;

/**
 * GPT-2 with its language-modelling head: {@code logits = transformer(x) @ wte^T}. The head is tied to the
 * token embedding (no parameter of its own), as in Hugging Face's {@code GPT2LMHeadModel}.
 *
 * <p>Legend: B batch, T time, C channels, V vocabulary.
 */
public final class Gpt2LMHeadModel implements CausalLM {
    /** Hugging Face's prefix for the trunk's parameters. */
    public static final String PREFIX = "transformer.";

    /** Vocabulary rows of a half-precision wte widened at once by an inference pass's head. */
    static final long HEAD_SLAB = LmHead.SLAB;

    private final Gpt2Model transformer;

    /** A zero-initialised model; see {@link #random} and {@link AutoModel#fromPretrained}. */
    public Gpt2LMHeadModel(Gpt2Config config, DType type) {
        this.transformer = new Gpt2Model(PREFIX, config, type);
    }

    /** A model with GPT-2's random initialisation, replayable from {@code seed}. */
    public static Gpt2LMHeadModel random(Gpt2Config config, DType type, long seed) {
        Gpt2LMHeadModel m = new Gpt2LMHeadModel(config, type);
        m.transformer.initialize(new TensorRandom(seed));
        return m;
    }

    /** Loads a GPT-2 model directory in float32; {@link AutoModel#fromPretrained} loads any family. */
    public static Gpt2LMHeadModel fromPretrained(Path dir) {
        return fromPretrained(dir, DType.FLOAT32);
    }

    /** Loads a GPT-2 model directory, converting the weights to {@code type}. */
    public static Gpt2LMHeadModel fromPretrained(Path dir, DType type) {
        CausalLM model = AutoModel.fromPretrained(dir, type);
        if (model instanceof Gpt2LMHeadModel gpt2) {
            return gpt2;
        }
        model.release();
        throw new IllegalArgumentException(dir + ": model_type '" + model.config().modelType() + "' is not GPT-2");
    }

    /** Writes {@code config.json} and {@code model.safetensors} that {@code GPT2LMHeadModel.from_pretrained} loads. */
    @Override
    public void save(Path dir) {
        Gpt2Checkpoint.save(this, dir);
    }

    @Override
    public Gpt2LMHeadModel deepCopy() {
        Gpt2LMHeadModel copy = new Gpt2LMHeadModel(config(), dtype());
        copy.copyParametersFrom(this);
        return copy;
    }

    @Override
    public Gpt2Model model() {
        return transformer;
    }

    /** Hugging Face's name for GPT-2's trunk. */
    public Gpt2Model transformer() {
        return transformer;
    }

    @Override
    public Gpt2Config config() {
        return transformer.config();
    }

    /** The tied LM head: hidden states (B, T, C) to logits (B, T, V), {@code h @ wte^T} ({@link LmHead}). */
    @Override
    public Tensor head(Tensor hidden) {
        return LmHead.logits(hidden, transformer.wte());                                  // (B, T, V)
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        transformer.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        transformer.collectLinears(out);
    }
}
