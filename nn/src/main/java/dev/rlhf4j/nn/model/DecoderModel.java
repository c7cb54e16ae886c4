package dev.rlhf4j.nn.model;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * A decoder-only trunk, Hugging Face's base model ({@code GPT2Model}, {@code LlamaModel}): token ids to final hidden
 * states. Language-model, reward and value heads all sit on one of these.
 *
 * <p>Three ways in: a plain (B, T) id tensor; a {@link PaddedBatch}, whose attention mask hides the pads and whose
 * position ids make a padded row's real tokens yield the hidden states of the row alone; and a padded batch with a
 * {@link KvCache}, for decoding one position at a time.
 *
 * <p>Legend: B batch, T positions, C channels, V vocabulary.
 */
public interface DecoderModel extends Module {
    ModelConfig config();

    DType dtype();

    /** Training mode: dropout (with the config's probabilities) drawn from {@code random}. */
    void train(TensorRandom random);

    /** Eval mode: no dropout. */
    void eval();

    boolean isTraining();

    /** The family's random initialisation (Hugging Face's {@code _init_weights}). */
    void initialize(TensorRandom random);

    /** The input embedding table (V, C), which a tied LM head shares. */
    Tensor inputEmbeddings();

    /** Final hidden states (B, T, C) of {@code inputIds} (B, T): no padding, positions 0 .. T-1. */
    Tensor forward(Tensor inputIds);

    /** Final hidden states (B, T, C) of a padded batch: each row's real tokens get the states they would get alone. */
    Tensor forward(PaddedBatch batch);

    /**
     * Incremental decoding: final hidden states (B, T - L, C) of the batch's columns after the L = {@code
     * cache.length()} that the cache already holds; their keys and values are added to the cache.
     */
    Tensor forward(PaddedBatch batch, KvCache cache);

    /**
     * Hugging Face's {@code hidden_states} of {@code inputIds} (B, T): the embeddings, each layer's output, and last
     * the output after the final norm (in place of the last layer's output); each (B, T, C).
     */
    List<Tensor> hiddenStates(Tensor inputIds);

    /** An empty cache for {@code batch} rows and up to {@code capacity} positions, in this model's type. */
    KvCache newCache(int batch, int capacity);

    /**
     * The forward pass of a model of {@code layers} layers through this one-layer model: before layer {@code l} runs,
     * {@code loadLayer.accept(l)} fills layer 0's parameters with layer {@code l}'s weights (a reference whose weights
     * stream from a file). Inference only; the same operations in the same order as {@link #forward(PaddedBatch)}.
     */
    Tensor forwardStreamed(PaddedBatch batch, int layers, IntConsumer loadLayer);

    /**
     * Runs one stage of an inference pass (no graph recorded) in an arena of its own and keeps only its output, so
     * what the stage makes on the way (attention scores, the float32 copy of a half-precision weight) is freed when
     * the stage ends rather than with the caller's arena. A pass that records a graph runs the stage as it is.
     */
    static Tensor stage(Supplier<Tensor> stage) {
        if (!NoGrad.isActive()) {
            return stage.get();
        }
        try (Arena arena = Arena.open()) {
            return arena.keep(stage.get());
        }
    }
}
