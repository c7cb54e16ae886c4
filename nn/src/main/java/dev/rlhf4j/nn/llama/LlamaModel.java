package dev.rlhf4j.nn.llama;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Embedding;
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

/**
 * The Llama-family trunk, Hugging Face's {@code model} ({@code LlamaModel}, {@code Qwen2Model}, {@code Qwen3Model}):
 * token embeddings, {@code num_hidden_layers} decoder layers sharing one rotary embedding, and a final RMSNorm. No
 * position table: positions enter through RoPE only, so a padded row's position ids are all it needs.
 *
 * <p>Legend: B batch, T new positions, L cached positions, Tk = L + T key positions, C channels, hs head size,
 * V vocabulary.
 */
public final class LlamaModel implements DecoderModel {
    private final LlamaConfig config;
    private final DType type;
    private final Embedding embedTokens;         // (V, C)
    private final List<LlamaDecoderLayer> layers;
    private final RMSNorm norm;                  // (C)
    private final RotaryEmbedding rotaryEmb;
    private TensorRandom dropout;                // non-null in training mode with dropout

    /** A zero-initialised trunk whose parameter names start with {@code prefix} (HF: "model."). */
    public LlamaModel(String prefix, LlamaConfig config, DType type) {
        this.config = config;
        this.type = type;
        this.embedTokens = new Embedding(prefix + "embed_tokens", config.vocabSize(), config.hiddenSize(), type);
        this.layers = new ArrayList<>(config.numHiddenLayers());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new LlamaDecoderLayer(prefix + "layers." + i, i, config, type));
        }
        this.norm = new RMSNorm(prefix + "norm", config.hiddenSize(), config.rmsNormEps(), type);
        this.rotaryEmb = new RotaryEmbedding(config);
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public DType dtype() {
        return type;
    }

    @Override
    public Tensor inputEmbeddings() {
        return embedTokens.weight();
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

    /** Hugging Face's {@code _init_weights}: linear and embedding weights N(0, initializer_range), biases 0, norm weights 1. */
    @Override
    public void initialize(TensorRandom random) {
        try (var s = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
                String name = e.getKey();
                Tensor p = e.getValue();
                if (name.endsWith("norm.weight") || name.endsWith("layernorm.weight")) {
                    p.fill(1.0);
                } else if (name.endsWith(".bias")) {
                    p.fill(0.0);
                } else {
                    Tensor r = random.normal(type, 0.0, config.initializerRange(), p.shape());
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
        Tensor bias = AttentionBias.of(batch, 0, type.computeType());                          // (B or 1, 1, T, T) or null
        return last(run(batch.inputIdTensor(0, t), positions(batch, 0, t), bias, null));
    }

    /** See {@link DecoderModel#forward(PaddedBatch, KvCache)}; the batch spans all Tk columns, cached and new. */
    @Override
    public Tensor forward(PaddedBatch batch, KvCache cache) {
        int past = cache.length();
        int tk = checkPositions(batch.length());
        if (tk <= past) {
            throw new IllegalArgumentException("LlamaModel: the batch's " + tk + " columns are all in the cache already");
        }
        Tensor bias = AttentionBias.of(batch, past, type.computeType());                       // (B or 1, 1, T, Tk) or null
        return last(run(batch.inputIdTensor(past, tk), positions(batch, past, tk), bias, cache));
    }

    @Override
    public List<Tensor> hiddenStates(Tensor inputIds) {
        if (inputIds.rank() != 2) {
            throw new IllegalArgumentException("LlamaModel: input ids must be (B, T), got shape " + Arrays.toString(inputIds.shape()));
        }
        int t = checkPositions((int) inputIds.size(1));
        int[][] positions = {java.util.stream.IntStream.range(0, t).toArray()};
        return run(inputIds, positions, AttentionBias.causal(t, type.computeType()), null);
    }

    /** Position ids of columns [from, to): one row when nothing is padded (every row has the same), else one per row. */
    private static int[][] positions(PaddedBatch batch, int from, int to) {
        int[][] all = batch.positionIds();
        int rows = batch.isPadded() ? all.length : 1;
        int[][] out = new int[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(all[r], from, to);
        }
        return out;
    }

    /** Embeddings, layers, final norm; every hidden state as {@link #hiddenStates} returns them. */
    private List<Tensor> run(Tensor ids, int[][] positions, Tensor bias, KvCache cache) {
        RotaryEmbedding.PositionEmbeddings pe = rotaryEmb.forward(positions, type.computeType());   // (B or 1, 1, T, hs) each
        Tensor x = DecoderModel.stage(() -> embedTokens.forward(ids));                              // (B, T, C)
        List<Tensor> states = new ArrayList<>(layers.size() + 1);
        states.add(x);
        for (LlamaDecoderLayer layer : layers) {
            Tensor in = x;
            x = DecoderModel.stage(() -> layer.forward(in, pe, bias, cache, dropout));                 // (B, T, C)
            states.add(x);
        }
        if (cache != null) {
            cache.advance((int) ids.size(1));
        }
        states.set(states.size() - 1, norm.forward(x));                                              // (B, T, C)
        return states;
    }

    @Override
    public KvCache newCache(int batch, int capacity) {
        return new KvCache(config, batch, capacity, type);
    }

    @Override
    public Tensor forwardStreamed(PaddedBatch batch, int numLayers, IntConsumer loadLayer) {
        if (layers.size() != 1 || dropout != null) {
            throw new IllegalStateException("LlamaModel: a streamed pass runs on a one-layer model in eval mode");
        }
        int t = checkPositions(batch.length());
        RotaryEmbedding.PositionEmbeddings pe = rotaryEmb.forward(positions(batch, 0, t), type.computeType());
        Tensor x = DecoderModel.stage(() -> embedTokens.forward(batch.inputIdTensor(0, t)));         // (B, T, C)
        Tensor bias = AttentionBias.of(batch, 0, type.computeType());                               // (B or 1, 1, T, T) or null
        LlamaDecoderLayer slot = layers.get(0);
        for (int l = 0; l < numLayers; l++) {
            loadLayer.accept(l);
            Tensor in = x;
            x = DecoderModel.stage(() -> slot.forward(in, pe, bias, null, null));                    // (B, T, C)
        }
        return norm.forward(x);                                                                      // (B, T, C)
    }

    private static Tensor last(List<Tensor> states) {
        return states.get(states.size() - 1);
    }

    private int checkPositions(int tk) {
        if (tk > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("LlamaModel: " + tk + " positions exceed max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        return tk;
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        embedTokens.collectParameters(out);
        for (LlamaDecoderLayer layer : layers) {
            layer.collectParameters(out);
        }
        norm.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        for (LlamaDecoderLayer layer : layers) {
            layer.collectLinears(out);
        }
    }
}
