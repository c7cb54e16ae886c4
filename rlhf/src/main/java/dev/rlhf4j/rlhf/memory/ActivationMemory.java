package dev.rlhf4j.rlhf.memory;

/**
 * Estimates of the memory a pass over a batch holds: the activations a step stores for backward and the KV cache
 * of generation. They are estimates (the weights, gradients and moments of {@link MemoryPlanner} are exact counts).
 *
 * <p>Legend: B sequences, T positions, L layers, C channels, nh heads, kv key/value width, I MLP width, V vocabulary,
 * e bytes per activation value, m bytes per dropout-mask element ({@link Precision}).
 *
 * <p>Per layer, after Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models",
 * section 4.1), the values a block keeps for backward: the inputs of its two norms (2C), of the QKV projection (C),
 * the queries and keys of {@code q k^T} (C + kv), the values (kv), the input of the output projection (C), of the MLP
 * (C) and inside the MLP ({@link ModelShape#mlpValuesPerToken}: 2I for GELU, 3I for SwiGLU); the softmax output
 * (nh T per token); with dropout also its masks after attention and MLP (2C), on the attention probabilities (nh T)
 * and the dropped-out probabilities (nh T):
 * <pre>
 *   layer = B T ((6C + 2kv + mlp) e + 2C m [dropout]) + B nh T^2 (e + (e + m) [dropout])
 *   step  = L layer + B T C e (ln_f input) + B T C m [dropout on the embeddings] + head + lora
 *   head  = B T V 4 (float32 logits) | B T 4 (critic's values) | B 4 (reward's scores)
 *   lora  = L (adapted linears per block) B T r e (the output of each A, kept for B's backward)
 * </pre>
 * With 16-bit values and byte masks (e = 2, m = 1) on GPT-2 (kv = C, I = 4C) the layer term is the paper's
 * {@code B T (34 C + 5 nh T)}; rlhf4j stores float32 values and float32 masks (e = m = 4): {@code B T (72 C + 12 nh T)}.
 * A frozen model's no-grad pass is counted with the same terms and no dropout: rlhf4j's {@code Arena} keeps a
 * pass's intermediates until the step ends (PyTorch would free each layer's at once, so this is an upper bound there).
 *
 * <p>KV cache for generating B sequences of T positions (prompt and response): {@code 2 L B T kv} elements in the
 * parameter type.
 */
public final class ActivationMemory {
    /** What a pass ends in, after the final norm. */
    public enum Head {
        /** The LM head: (B, T, V) logits, in float32 (log-probs and losses are never computed in half precision). */
        LANGUAGE_MODEL,
        /** The critic's value head: (B, T). */
        VALUE,
        /** The reward model's score head: (B). */
        SCORE
    }

    private static final int FLOAT32 = 4;

    private ActivationMemory() {
    }

    /** Activations a training step (forward and backward of B sequences of T positions) stores; {@code loraRank} 0 without LoRA. */
    public static long trainingStep(ModelShape shape, Precision p, long batch, long seq, Head head, int loraRank) {
        long lora = (long) shape.layers() * shape.loraTargetsPerBlock() * batch * seq * loraRank * p.activationBytes();
        return pass(shape, p, batch, seq, head, shape.dropout()) + lora;
    }

    /** Intermediates of a frozen model's no-grad pass (eval mode: no dropout). */
    public static long frozenPass(ModelShape shape, Precision p, long batch, long seq, Head head) {
        return pass(shape, p, batch, seq, head, false);
    }

    /** One layer's stored activations: {@code B T a + B nh T^2 b} with a = {@link #perToken}, b = {@link #perScore}. */
    public static long perLayer(ModelShape shape, Precision p, long batch, long seq, boolean dropout) {
        return batch * seq * perToken(shape, p, dropout) + batch * shape.heads() * seq * seq * perScore(p, dropout);
    }

    /** a: bytes one block keeps per token, {@code (6C + 2kv + mlp) e + 2C m [dropout]}. */
    public static long perToken(ModelShape shape, Precision p, boolean dropout) {
        long c = shape.hidden();
        return (6 * c + 2 * shape.kvWidth() + shape.mlpValuesPerToken()) * p.activationBytes()
                + (dropout ? 2 * c * p.maskBytes() : 0);
    }

    /** b: bytes one block keeps per attention score, {@code e + (e + m) [dropout]}. */
    public static long perScore(Precision p, boolean dropout) {
        return p.activationBytes() + (dropout ? p.activationBytes() + p.maskBytes() : 0);
    }

    /** The KV cache of generating B sequences of T positions: {@code 2 L B T kv} elements. */
    public static long kvCache(ModelShape shape, Precision p, long batch, long seq) {
        return 2L * shape.layers() * batch * seq * shape.kvWidth() * p.cacheBytes();
    }

    private static long pass(ModelShape shape, Precision p, long batch, long seq, Head head, boolean dropout) {
        long c = shape.hidden();
        long embeddingMask = dropout ? batch * seq * c * p.maskBytes() : 0;
        long finalNorm = batch * seq * c * p.activationBytes();
        long output = switch (head) {
            case LANGUAGE_MODEL -> batch * seq * shape.vocab() * FLOAT32;
            case VALUE -> batch * seq * FLOAT32;
            case SCORE -> batch * FLOAT32;
        };
        return shape.layers() * perLayer(shape, p, batch, seq, dropout) + embeddingMask + finalNorm + output;
    }
}
