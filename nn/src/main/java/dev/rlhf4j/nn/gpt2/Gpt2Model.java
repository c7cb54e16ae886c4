package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Embedding;
import dev.rlhf4j.nn.LayerNorm;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The GPT-2 trunk, Hugging Face's {@code transformer}: token and position embeddings, {@code n_layer} blocks
 * and a final layer norm.
 *
 * <p>Left padding: given an attention mask, position ids default to {@code cumsum(mask) - 1} and padded keys
 * are masked, so a left-padded row yields the same hidden states at its real tokens as the unpadded sequence.
 *
 * <p>Legend: B batch, T new positions, L cached positions, Tk = L + T key positions, C channels, V vocabulary.
 */
public final class Gpt2Model implements Module {
    private final Gpt2Config config;
    private final DType type;
    private final Embedding wte;                 // (V, C)
    private final Embedding wpe;                 // (n_positions, C)
    private final List<Block> h;
    private final LayerNorm lnF;
    private TensorRandom dropout;                // non-null in training mode with dropout

    /** A zero-initialised trunk whose parameter names start with {@code prefix} (HF: "transformer."). */
    public Gpt2Model(String prefix, Gpt2Config config, DType type) {
        this.config = config;
        this.type = type;
        this.wte = new Embedding(prefix + "wte", config.vocabSize(), config.nEmbd(), type);
        this.wpe = new Embedding(prefix + "wpe", config.nPositions(), config.nEmbd(), type);
        this.h = new ArrayList<>(config.nLayer());
        for (int i = 0; i < config.nLayer(); i++) {
            h.add(new Block(prefix + "h." + i, i, config, type));
        }
        this.lnF = new LayerNorm(prefix + "ln_f", config.nEmbd(), config.layerNormEpsilon(), type);
    }

    public Gpt2Config config() {
        return config;
    }

    public DType dtype() {
        return type;
    }

    /** The token embedding, shared with the LM head. */
    public Tensor wte() {
        return wte.weight();
    }

    /** Training mode: dropout (with the config's probabilities) drawn from {@code random}. */
    public void train(TensorRandom random) {
        this.dropout = random;
    }

    /** Eval mode: no dropout. */
    public void eval() {
        this.dropout = null;
    }

    public boolean isTraining() {
        return dropout != null;
    }

    /**
     * GPT-2's initialisation: weights N(0, 0.02), residual projections ({@code c_proj}) N(0, 0.02 / sqrt(2
     * n_layer)), biases 0, layer-norm gains 1.
     */
    public void initialize(TensorRandom random) {
        double projStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
        try (var s = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
                String name = e.getKey();
                Tensor p = e.getValue();
                if (name.contains(".ln_") || name.contains("ln_f.")) {
                    p.fill(name.endsWith(".weight") ? 1.0 : 0.0);
                } else if (name.endsWith(".bias")) {
                    p.fill(0.0);
                } else {
                    Tensor r = random.normal(type, 0.0, name.endsWith("c_proj.weight") ? projStd : 0.02, p.shape());
                    p.assign(r);
                    r.release();
                }
            }
        }
    }

    /** Final hidden states (B, T, C) of {@code inputIds} (B, T), no padding, no cache. */
    public Tensor forward(Tensor inputIds) {
        return forward(inputIds, null, null, null, null);
    }

    /**
     * @param inputIds (B, T) int64
     * @param attentionMask (B, Tk) of 1 (real) and 0 (pad), covering cached and new positions; null = all real
     * @param positionIds (B, T); null = {@code cumsum(mask) - 1} (or L .. L+T-1 without a mask)
     * @param cache keys and values of the L earlier positions, extended by T; null = no cache
     * @param hiddenStates if non-null, receives HF's {@code hidden_states}: the embeddings, each block's output,
     *     and last the output after {@code ln_f} (replacing the last block's output)
     * @return the hidden states after {@code ln_f}, (B, T, C)
     */
    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor positionIds, KvCache cache, List<Tensor> hiddenStates) {
        if (inputIds.rank() != 2) {
            throw new IllegalArgumentException("Gpt2Model: input ids must be (B, T), got shape " + java.util.Arrays.toString(inputIds.shape()));
        }
        int b = (int) inputIds.size(0);
        int t = (int) inputIds.size(1);
        int past = cache == null ? 0 : cache.length();
        int tk = past + t;
        if (tk > config.nPositions()) {
            throw new IllegalArgumentException("Gpt2Model: " + tk + " positions exceed n_positions " + config.nPositions());
        }
        long[] mask = null;
        if (attentionMask != null) {
            if (attentionMask.rank() != 2 || attentionMask.size(0) != b || attentionMask.size(1) != tk) {
                throw new IllegalArgumentException("Gpt2Model: attention mask must be (B, L + T) = (" + b + ", " + tk
                        + "), got " + java.util.Arrays.toString(attentionMask.shape()));
            }
            mask = attentionMask.toLongArray();
        }
        Tensor positions = positionIds != null ? positionIds : positionIds(mask, b, t, past);    // (B or 1, T)
        Tensor bias = attentionBias(mask, b, t, past, type.computeType());                      // (B or 1, 1, T, Tk) or null
        Tensor x = wte.forward(inputIds).add(wpe.forward(positions));                            // (B, T, C)
        if (dropout != null && config.embdPdrop() > 0) {
            x = x.dropout(config.embdPdrop(), dropout);
        }
        if (hiddenStates != null) {
            hiddenStates.add(x);
        }
        for (Block block : h) {
            x = block.forward(x, bias, cache, dropout);                                          // (B, T, C)
            if (hiddenStates != null) {
                hiddenStates.add(x);
            }
        }
        if (cache != null) {
            cache.advance(t);
        }
        x = lnF.forward(x);                                                                      // (B, T, C)
        if (hiddenStates != null) {
            hiddenStates.set(hiddenStates.size() - 1, x);
        }
        return x;
    }

    /** {@code cumsum(mask) - 1} at the new positions (pads get 0), or L .. L+T-1 without a mask. */
    static Tensor positionIds(long[] mask, int b, int t, int past) {
        if (mask == null) {
            long[] p = new long[t];
            for (int i = 0; i < t; i++) {
                p[i] = past + i;
            }
            return Tensor.ofLongs(p, 1, t);
        }
        int tk = past + t;
        long[] p = new long[b * t];
        for (int r = 0; r < b; r++) {
            long sum = 0;
            for (int j = 0; j < tk; j++) {
                sum += mask[r * tk + j];
                if (j >= past) {
                    p[r * t + j - past] = mask[r * tk + j] == 0 ? 0 : Math.max(0, sum - 1);
                }
            }
        }
        return Tensor.ofLongs(p, b, t);
    }

    /**
     * The additive attention bias: {@link CausalSelfAttention#MASKED} where query i (at absolute position L + i)
     * may not see key j (j > L + i, or key j is padding), 0 elsewhere. A pad query still sees itself, so no row
     * is entirely masked (its output is unused, but must not be NaN). Null when nothing is masked (one new
     * token without padding: the common decoding step). Adding a bias is one broadcast add, cheaper than a
     * masked select, and exact: exp(-1e9 + score) is 0 in float32 and float64.
     */
    static Tensor attentionBias(long[] mask, int b, int t, int past, DType type) {
        int tk = past + t;
        int rows = mask == null ? 1 : b;
        double[] m = new double[rows * t * tk];
        boolean any = false;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < tk; j++) {
                    boolean hidden = j > past + i || (mask != null && mask[r * tk + j] == 0 && j != past + i);
                    m[(r * t + i) * tk + j] = hidden ? CausalSelfAttention.MASKED : 0.0;
                    any |= hidden;
                }
            }
        }
        return any ? Tensor.of(m, type, rows, 1, t, tk) : null;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        wte.collectParameters(out);
        wpe.collectParameters(out);
        for (Block block : h) {
            block.collectParameters(out);
        }
        lnF.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        for (Block block : h) {
            block.collectLinears(out);
        }
    }
}
