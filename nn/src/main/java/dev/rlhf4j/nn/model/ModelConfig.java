package dev.rlhf4j.nn.model;

import java.io.Serializable;

/**
 * What every model family's {@code config.json} says in common, under family-neutral names (GPT-2's {@code n_embd} is
 * {@link #hiddenSize}, Llama's {@code hidden_size}). Trainers, references, rollouts and the memory planner size and
 * check things through this; only a family's own classes read its record's other fields.
 */
public interface ModelConfig extends Serializable {
    /** Hugging Face's {@code model_type}: "gpt2", "llama", ... */
    String modelType();

    /** V, the vocabulary size. */
    int vocabSize();

    /** The context length: GPT-2's {@code n_positions}, Llama's {@code max_position_embeddings}. */
    int maxPositions();

    /** C, the width of the hidden states. */
    int hiddenSize();

    int numLayers();

    int numAttentionHeads();

    /** Key/value heads (fewer than the query heads under grouped-query attention). */
    int numKeyValueHeads();

    int headDim();

    /** The width of the MLP's hidden layer. */
    int intermediateSize();

    int bosTokenId();

    int eosTokenId();

    /** Parameters of the causal LM, a tied head counted once. */
    long numParameters();

    /** Whether a training step drops out attention weights or residual branches (their masks are activations too). */
    boolean hasDropout();

    /** The same model without dropout. */
    ModelConfig withoutDropout();

    /**
     * The same architecture at other sizes and with other special tokens: a preset made small for a demo or a test,
     * e.g. {@code AutoModel.preset("gpt2").withoutDropout().resized(2, 2, 32, 64, 300, eos, eos)}.
     */
    ModelConfig resized(int layers, int heads, int hidden, int positions, int vocab, int bosTokenId, int eosTokenId);

    /** The same model with {@code layers} layers (a one-layer slot for weights streamed layer by layer). */
    ModelConfig withNumLayers(int layers);

    /** The same model recording {@code dtype} ("float32", "bfloat16", ...) as its storage type in config.json. */
    ModelConfig withStorageType(String dtype);

    /** This config as the {@code config.json} of the family's causal LM, as {@code from_pretrained} reads it. */
    String toJson();
}
