package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Embedding;
import dev.rlhf4j.nn.LayerNorm;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntBinaryOperator;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The GPT-2 trunk, Hugging Face's {@code transformer}: token and position embeddings, {@code n_layer} blocks
 * and a final layer norm.
 *
 * <p>Three ways in: a plain (B, T) id tensor; a {@link PaddedBatch}, whose attention mask hides the pads and
 * whose position ids make a padded row's real tokens yield the hidden states of the row alone; and a padded
 * batch with a {@link KvCache}, for decoding one position at a time.
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

    /** Final hidden states (B, T, C) of {@code inputIds} (B, T): no padding, positions 0 .. T-1. */
    public Tensor forward(Tensor inputIds) {
        return last(hiddenStates(inputIds));
    }

    /**
     * Final hidden states (B, T, C) of a padded batch: pads are hidden from attention and positions are the
     * batch's, so each row's real tokens get the hidden states they would get alone.
     */
    public Tensor forward(PaddedBatch batch) {
        int t = checkPositions(batch.length());
        Tensor bias = attentionBias(batch, 0, type.computeType());                              // (B or 1, 1, T, T) or null
        return last(run(batch.inputIdTensor(0, t), batch.positionIdTensor(0, t), bias, null));
    }

    /**
     * Incremental decoding: final hidden states (B, T - L, C) of the batch's columns after the L = {@code
     * cache.length()} that the cache already holds; their keys and values are added to the cache. The batch spans
     * all T columns, since the attention mask covers cached and new keys alike.
     */
    public Tensor forward(PaddedBatch batch, KvCache cache) {
        int past = cache.length();
        int tk = checkPositions(batch.length());
        if (tk <= past) {
            throw new IllegalArgumentException("Gpt2Model: the batch's " + tk + " columns are all in the cache already");
        }
        Tensor bias = attentionBias(batch, past, type.computeType());                           // (B or 1, 1, T, Tk) or null
        return last(run(batch.inputIdTensor(past, tk), batch.positionIdTensor(past, tk), bias, cache));
    }

    /**
     * Hugging Face's {@code hidden_states} of {@code inputIds} (B, T): the embeddings, each block's output, and
     * last the output after {@code ln_f} (in place of the last block's output); each (B, T, C).
     */
    public List<Tensor> hiddenStates(Tensor inputIds) {
        if (inputIds.rank() != 2) {
            throw new IllegalArgumentException("Gpt2Model: input ids must be (B, T), got shape " + Arrays.toString(inputIds.shape()));
        }
        int t = checkPositions((int) inputIds.size(1));
        Tensor positions = Tensor.ofInts(IntStream.range(0, t).toArray(), 1, t);                // (1, T)
        return run(inputIds, positions, attentionBias(1, t, 0, (r, j) -> 1, type.computeType()), null);
    }

    /**
     * The trunk: embeddings, blocks, final layer norm; returns every hidden state as {@link #hiddenStates}.
     * {@code bias} as {@link CausalSelfAttention#forward} takes it; {@code cache} null for a pass without one.
     */
    private List<Tensor> run(Tensor ids, Tensor positions, Tensor bias, KvCache cache) {
        Tensor x = stage(() -> wte.forward(ids).add(wpe.forward(positions)));                  // (B, T, C)
        if (dropout != null && config.embdPdrop() > 0) {
            x = x.dropout(config.embdPdrop(), dropout);
        }
        List<Tensor> states = new ArrayList<>(h.size() + 1);
        states.add(x);
        for (Block block : h) {
            Tensor in = x;
            x = stage(() -> block.forward(in, bias, cache, dropout));                           // (B, T, C)
            states.add(x);
        }
        if (cache != null) {
            cache.advance((int) ids.size(1));
        }
        states.set(states.size() - 1, lnF.forward(x));                                           // (B, T, C)
        return states;
    }

    /**
     * Runs one stage of an inference pass (no graph recorded) in an arena of its own and keeps only its output, so
     * what the stage makes on the way (attention scores, the float32 copy of a half-precision weight) is freed when
     * the stage ends rather than with the caller's arena: a pass then holds one stage's temporaries at a time, not
     * all of them. A pass that records a graph keeps its intermediates for backward and runs the stage as it is.
     */
    public static Tensor stage(Supplier<Tensor> stage) {
        if (!NoGrad.isActive()) {
            return stage.get();
        }
        try (Arena arena = Arena.open()) {
            return arena.keep(stage.get());
        }
    }

    private static Tensor last(List<Tensor> states) {
        return states.get(states.size() - 1);
    }

    private int checkPositions(int tk) {
        if (tk > config.nPositions()) {
            throw new IllegalArgumentException("Gpt2Model: " + tk + " positions exceed n_positions " + config.nPositions());
        }
        return tk;
    }

    /**
     * The bias for the batch's columns from {@code past} on; one row for all when nothing is padded. Public for
     * passes that run the blocks one at a time (a reference model whose weights stream in layer by layer).
     */
    public static Tensor attentionBias(PaddedBatch batch, int past, DType type) {
        int rows = batch.isPadded() ? batch.batchSize() : 1;
        return attentionBias(rows, batch.length() - past, past, batch::mask, type);
    }

    /**
     * The additive attention bias (rows, 1, T, L + T): {@link CausalSelfAttention#MASKED} where query i (at
     * absolute position L + i) may not see key j (j > L + i, or {@code mask(r, j)} is 0), 0 elsewhere. A pad
     * query still sees itself, so no row is entirely masked (its output is unused, but must not be NaN). Null
     * when nothing is masked (one new token without padding: the common decoding step). Adding a bias is one
     * broadcast add, cheaper than a masked select, and exact: exp(-1e9 + score) is 0 in float32 and float64.
     */
    static Tensor attentionBias(int rows, int t, int past, IntBinaryOperator mask, DType type) {
        int tk = past + t;
        double[] m = new double[rows * t * tk];
        boolean any = false;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < tk; j++) {
                    boolean hidden = j > past + i || (mask.applyAsInt(r, j) == 0 && j != past + i);
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
