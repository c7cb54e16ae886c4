package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Parameters;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.LmHead;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Llama-family causal LM, {@code LlamaForCausalLM} / {@code Qwen2ForCausalLM} / {@code Qwen3ForCausalLM}: the
 * {@link LlamaModel} trunk and {@code lm_head}, {@code logits = model(x) @ W^T}. With {@code tie_word_embeddings} W is
 * {@code model.embed_tokens.weight} and the head has no parameter of its own; otherwise it is {@code lm_head.weight}.
 *
 * <p>Legend: B batch, T time, C channels, V vocabulary.
 */
public final class LlamaForCausalLM implements CausalLM {
    /** Hugging Face's prefix for the trunk's parameters. */
    public static final String PREFIX = "model.";

    private final LlamaModel model;
    private final Tensor lmHead;                 // (V, C), null when tied

    /** A zero-initialised model; see {@link #random} and {@link AutoModel#fromPretrained}. */
    public LlamaForCausalLM(LlamaConfig config, DType type) {
        this.model = new LlamaModel(PREFIX, config, type);
        this.lmHead = config.tieWordEmbeddings() ? null
                : Parameters.create("lm_head.weight", type, config.vocabSize(), config.hiddenSize());
    }

    /** A model with Hugging Face's random initialisation, replayable from {@code seed}. */
    public static LlamaForCausalLM random(LlamaConfig config, DType type, long seed) {
        LlamaForCausalLM m = new LlamaForCausalLM(config, type);
        m.initialize(new TensorRandom(seed));
        return m;
    }

    /** The trunk's initialisation, and {@code lm_head} N(0, initializer_range) when untied. */
    @Override
    public void initialize(TensorRandom random) {
        model.initialize(random);
        if (lmHead != null) {
            try (NoGrad ng = NoGrad.enter()) {
                Tensor r = random.normal(dtype(), 0.0, config().initializerRange(), lmHead.shape());
                lmHead.assign(r);
                r.release();
            }
        }
    }

    /** Loads a Llama, Qwen2 or Qwen3 model directory, converting the weights to {@code type}. */
    public static LlamaForCausalLM fromPretrained(Path dir, DType type) {
        CausalLM loaded = AutoModel.fromPretrained(dir, type);
        if (loaded instanceof LlamaForCausalLM llama) {
            return llama;
        }
        loaded.release();
        throw new IllegalArgumentException(dir + ": model_type '" + loaded.config().modelType() + "' is not of the Llama family");
    }

    @Override
    public LlamaModel model() {
        return model;
    }

    @Override
    public LlamaConfig config() {
        return model.config();
    }

    /** The head's weight (V, C): {@code lm_head.weight}, or the token embedding when tied. */
    public Tensor headWeight() {
        return lmHead != null ? lmHead : model.inputEmbeddings();
    }

    @Override
    public Tensor head(Tensor hidden) {
        return LmHead.logits(hidden, headWeight());                                      // (B, T, V)
    }

    /** Writes {@code config.json} and {@code model.safetensors} that transformers' {@code from_pretrained} loads. */
    @Override
    public void save(Path dir) {
        LlamaCheckpoint.save(this, dir);
    }

    @Override
    public LlamaForCausalLM deepCopy() {
        LlamaForCausalLM copy = new LlamaForCausalLM(config(), dtype());
        copy.copyParametersFrom(this);
        return copy;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        model.collectParameters(out);
        if (lmHead != null) {
            out.put(lmHead.name(), lmHead);
        }
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        model.collectLinears(out);
    }
}
