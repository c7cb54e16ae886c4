package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The sizes of a decoder-only transformer that decide its memory, for the two architectures the planner knows.
 *
 * <p>Legend: L layers, C hidden channels, nh query heads, hs = C / nh head size, kv = nkv * hs the width of the
 * keys (and of the values) with nkv key/value heads, I the MLP's hidden width, V vocabulary, P learned positions.
 * Parameter counts, each term a weight matrix or a vector:
 * <pre>
 *   GPT-2 (learned positions, biases, LayerNorm gain and bias, GELU MLP, LM head tied to wte):
 *     block = 4C (ln_1, ln_2) + 3C^2 + 3C (c_attn) + C^2 + C (attn.c_proj) + C I + I (c_fc) + I C + C (mlp.c_proj)
 *     N     = V C + P C + L block + 2C (ln_f)
 *   Llama (rotary positions, no biases, RMSNorm gain only, SwiGLU MLP, untied lm_head, grouped-query attention):
 *     block = 2C (norms) + 2 C^2 (q_proj, o_proj) + 2 C kv (k_proj, v_proj) + 3 C I (gate_proj, up_proj, down_proj)
 *     N     = V C (embed_tokens) + L block + C (norm) + V C (lm_head)
 * </pre>
 * The Llama presets are the published architectures (Touvron et al. 2023, "Llama 2", and Meta's Llama 3 model
 * card, as in their Hugging Face {@code config.json}): they are sizes to plan with, not models this engine runs.
 *
 * @param name the preset's or directory's name, printed in the table's header
 * @param architecture which parameter layout the formulas above follow
 * @param layers L
 * @param hidden C
 * @param heads nh
 * @param kvHeads nkv (= nh without grouped-query attention)
 * @param intermediate I (4C for GPT-2)
 * @param vocab V
 * @param positions the context length (learned position embeddings for GPT-2, rotary for Llama)
 * @param dropout whether a training step applies dropout (its masks are activations too)
 */
public record ModelShape(String name, Architecture architecture, int layers, int hidden, int heads, int kvHeads,
                         int intermediate, int vocab, int positions, boolean dropout) {

    /** The parameter layouts of the class javadoc. */
    public enum Architecture { GPT2, LLAMA }

    public ModelShape {
        if (layers <= 0 || hidden <= 0 || heads <= 0 || kvHeads <= 0 || intermediate <= 0 || vocab <= 0 || positions <= 0) {
            throw new IllegalArgumentException("model shape '" + name + "': every size must be positive, got L " + layers
                    + ", C " + hidden + ", nh " + heads + ", nkv " + kvHeads + ", I " + intermediate + ", V " + vocab
                    + ", P " + positions);
        }
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("model shape '" + name + "': C " + hidden + " must divide into " + heads
                    + " heads and the heads into " + kvHeads + " key/value groups");
        }
    }

    /** The planner's shape of a model config of any family that nn reads. */
    public static ModelShape of(String name, ModelConfig config) {
        Architecture layout = config.modelType().equals("gpt2") ? Architecture.GPT2 : Architecture.LLAMA;
        return new ModelShape(name, layout, config.numLayers(), config.hiddenSize(), config.numAttentionHeads(),
                config.numKeyValueHeads(), config.intermediateSize(), config.vocabSize(), config.maxPositions(), config.hasDropout());
    }

    /** The shape of the model whose {@code config.json} is in {@code dir} (the {@code --model} option), named after the folder. */
    public static ModelShape read(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("--model: " + config + " does not exist");
        }
        return of(dir.getFileName().toString(), AutoModel.readConfig(config));
    }

    /** Llama 2 7B: 32 layers, C 4096, 32 heads, I 11008, V 32000, 4096 positions (6.74 B parameters). */
    public static ModelShape llama7b() {
        return llama("llama-7b", 32, 4096, 32, 32, 11008, 32000, 4096);
    }

    /** Llama 2 13B: 40 layers, C 5120, 40 heads, I 13824, V 32000, 4096 positions (13.0 B parameters). */
    public static ModelShape llama13b() {
        return llama("llama-13b", 40, 5120, 40, 40, 13824, 32000, 4096);
    }

    /** Llama 2 70B: 80 layers, C 8192, 64 heads in 8 key/value groups, I 28672, V 32000, 4096 positions (69.0 B). */
    public static ModelShape llama70b() {
        return llama("llama-70b", 80, 8192, 64, 8, 28672, 32000, 4096);
    }

    /** Llama 3 8B: 32 layers, C 4096, 32 heads in 8 key/value groups, I 14336, V 128256, 8192 positions (8.03 B). */
    public static ModelShape llama3At8b() {
        return llama("llama3-8b", 32, 4096, 32, 8, 14336, 128256, 8192);
    }

    private static ModelShape llama(String name, int layers, int hidden, int heads, int kvHeads, int intermediate,
                                    int vocab, int positions) {
        return new ModelShape(name, Architecture.LLAMA, layers, hidden, heads, kvHeads, intermediate, vocab, positions, false);
    }

    /** A preset by name: nn's GPT-2 presets (gpt2, gpt2-medium, gpt2-large, gpt2-xl, tiny, small) and the Llama ones. */
    public static ModelShape preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "llama-7b" -> llama7b();
            case "llama-13b" -> llama13b();
            case "llama-70b" -> llama70b();
            case "llama3-8b" -> llama3At8b();
            default -> {
                try {
                    yield of(name, AutoModel.preset(name));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown preset '" + name + "' (expected gpt2, gpt2-medium, gpt2-large,"
                            + " gpt2-xl, tiny, small, llama-7b, llama-13b, llama-70b, llama3-8b)", e);
                }
            }
        };
    }

    /** hs = C / nh. */
    public int headSize() {
        return hidden / heads;
    }

    /** kv = nkv * hs: the width of one position's keys, and of its values. */
    public long kvWidth() {
        return (long) kvHeads * headSize();
    }

    /** Parameters of one transformer block (class javadoc). */
    public long blockParameters() {
        long c = hidden;
        long i = intermediate;
        return switch (architecture) {
            case GPT2 -> 4 * c + (3 * c * c + 3 * c) + (c * c + c) + (c * i + i) + (i * c + c);
            case LLAMA -> 2 * c + 2 * c * c + 2 * c * kvWidth() + 3 * c * i;
        };
    }

    /** The input embeddings: wte and wpe for GPT-2, embed_tokens for Llama. */
    public long embeddingParameters() {
        long tokens = (long) vocab * hidden;
        return architecture == Architecture.GPT2 ? tokens + (long) positions * hidden : tokens;
    }

    /** The final norm: ln_f's gain and bias (GPT-2) or norm's gain (Llama). */
    public long finalNormParameters() {
        return architecture == Architecture.GPT2 ? 2L * hidden : hidden;
    }

    /** The LM head's own parameters: none for GPT-2 (tied to wte), lm_head (V, C) for Llama. */
    public long lmHeadParameters() {
        return architecture == Architecture.GPT2 ? 0 : (long) vocab * hidden;
    }

    /** The trunk without an LM head: what a critic or reward model shares with the policy before its scalar head. */
    public long trunkParameters() {
        return embeddingParameters() + layers * blockParameters() + finalNormParameters();
    }

    /** Every parameter of the language model, the tied head counted once. */
    public long numParameters() {
        return trunkParameters() + lmHeadParameters();
    }

    /** The most parameters resident at once when a pass brings one piece at a time: a block, the embeddings or the head. */
    public long largestPieceParameters() {
        return Math.max(blockParameters(), Math.max(embeddingParameters(), lmHeadParameters()));
    }

    /** Linear layers adapted by LoRA in each block: c_attn, attn.c_proj, c_fc, mlp.c_proj; or the seven Llama projections. */
    public int loraTargetsPerBlock() {
        return architecture == Architecture.GPT2 ? 4 : 7;
    }

    /**
     * LoRA's parameters at rank r: each adapted (in, out) linear gains A (r, in) and B (out, r), r (in + out).
     * <pre>
     *   GPT-2: r ((C + 3C) + (C + C) + (C + I) + (I + C))                                 = r (8C + 2I) per block
     *   Llama: r ((C + C) + 2 (C + kv) + (C + C) + 2 (C + I) + (I + C))                    = r (9C + 2kv + 3I) per block
     * </pre>
     */
    public long loraParameters(int rank) {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        }
        long c = hidden;
        long i = intermediate;
        long perBlock = switch (architecture) {
            case GPT2 -> 8 * c + 2 * i;
            case LLAMA -> 9 * c + 2 * kvWidth() + 3 * i;
        };
        return (long) rank * layers * perBlock;
    }

    /** The stored values per token of one block's MLP for backward: c_fc's output and GELU's (2I); SwiGLU's gate, up and product (3I). */
    long mlpValuesPerToken() {
        return (architecture == Architecture.GPT2 ? 2L : 3L) * intermediate;
    }
}
