package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Embedding;
import dev.rlhf4j.nn.LayerNorm;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.model.AttentionBias;
import dev.rlhf4j.nn.model.DecoderModel;
import dev.rlhf4j.nn.model.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
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
public final class Gpt2Model implements DecoderModel {
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

    @Override
    public Gpt2Config config() {
        return config;
    }

    @Override
    public DType dtype() {
        return type;
    }

    /** The token embedding, shared with the LM head. */
    public Tensor wte() {
        return wte.weight();
    }

    @Override
    public Tensor inputEmbeddings() {
        return wte.weight();
    }

    @Override
    public void train(TensorRandom random) {
        this.dropout = random;
    }

    @Override
    public void eval() {
        this.dropout = null;
    }

    @Override
    public boolean isTraining() {
        return dropout != null;
    }

    /**
     * GPT-2's initialisation: weights N(0, 0.02), residual projections ({@code c_proj}) N(0, 0.02 / sqrt(2
     * n_layer)), biases 0, layer-norm gains 1.
     */
    @Override
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

    @Override
    public Tensor forward(Tensor inputIds) {
        return last(hiddenStates(inputIds));
    }

    @Override
    public Tensor forward(PaddedBatch batch) {
        int t = checkPositions(batch.length());
        Tensor bias = AttentionBias.of(batch, 0, type.computeType());                              // (B or 1, 1, T, T) or null
        return last(run(batch.inputIdTensor(0, t), batch.positionIdTensor(0, t), bias, null));
    }

    /** See {@link DecoderModel#forward(PaddedBatch, KvCache)}; the batch spans all T columns, cached and new. */
    @Override
    public Tensor forward(PaddedBatch batch, KvCache cache) {
        int past = cache.length();
        int tk = checkPositions(batch.length());
        if (tk <= past) {
            throw new IllegalArgumentException("Gpt2Model: the batch's " + tk + " columns are all in the cache already");
        }
        Tensor bias = AttentionBias.of(batch, past, type.computeType());                           // (B or 1, 1, T, Tk) or null
        return last(run(batch.inputIdTensor(past, tk), batch.positionIdTensor(past, tk), bias, cache));
    }

    @Override
    public List<Tensor> hiddenStates(Tensor inputIds) {
        if (inputIds.rank() != 2) {
            throw new IllegalArgumentException("Gpt2Model: input ids must be (B, T), got shape " + Arrays.toString(inputIds.shape()));
        }
        int t = checkPositions((int) inputIds.size(1));
        Tensor positions = Tensor.ofInts(IntStream.range(0, t).toArray(), 1, t);                // (1, T)
        return run(inputIds, positions, AttentionBias.causal(t, type.computeType()), null);
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

    @Override
    public KvCache newCache(int batch, int capacity) {
        return new KvCache(config, batch, capacity, type);
    }

    @Override
    public Tensor forwardStreamed(PaddedBatch batch, int layers, IntConsumer loadLayer) {
        if (h.size() != 1 || dropout != null) {
            throw new IllegalStateException("Gpt2Model: a streamed pass runs on a one-layer model in eval mode");
        }
        int t = checkPositions(batch.length());
        Tensor x = stage(() -> wte.forward(batch.inputIdTensor(0, t)).add(wpe.forward(batch.positionIdTensor(0, t))));
        Tensor bias = AttentionBias.of(batch, 0, type.computeType());                              // (B or 1, 1, T, T) or null
        Block slot = h.get(0);
        for (int layer = 0; layer < layers; layer++) {
            loadLayer.accept(layer);
            Tensor in = x;                                                                       // (B, T, C)
            x = stage(() -> slot.forward(in, bias, null, null));                                 // (B, T, C)
        }
        return lnF.forward(x);                                                                   // (B, T, C)
    }

    /** See {@link DecoderModel#stage}. */
    public static Tensor stage(Supplier<Tensor> stage) {
        return DecoderModel.stage(stage);
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
