package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.nio.file.Path;
import java.util.Map;

/**
 * GPT-2 with its language-modelling head: {@code logits = transformer(x) @ wte^T}. The head is tied to the
 * token embedding (no parameter of its own), as in Hugging Face's {@code GPT2LMHeadModel}.
 *
 * <p>Legend: B batch, T time, C channels, V vocabulary.
 */
public final class Gpt2LMHeadModel implements Module {
    /** Hugging Face's prefix for the trunk's parameters. */
    public static final String PREFIX = "transformer.";

    /** Vocabulary rows of a half-precision wte widened at once by an inference pass's head. */
    static final long HEAD_SLAB = 4096;

    private final Gpt2Model transformer;

    /** A zero-initialised model; see {@link #random} and {@link #fromPretrained}. */
    public Gpt2LMHeadModel(Gpt2Config config, DType type) {
        this.transformer = new Gpt2Model(PREFIX, config, type);
    }

    /** A model with GPT-2's random initialisation, replayable from {@code seed}. */
    public static Gpt2LMHeadModel random(Gpt2Config config, DType type, long seed) {
        Gpt2LMHeadModel m = new Gpt2LMHeadModel(config, type);
        m.transformer.initialize(new TensorRandom(seed));
        return m;
    }

    /** Loads {@code config.json} and {@code model.safetensors} from a Hugging Face model directory, in float32. */
    public static Gpt2LMHeadModel fromPretrained(Path dir) {
        return fromPretrained(dir, DType.FLOAT32);
    }

    /** Loads a Hugging Face model directory, converting the weights to {@code type}. */
    public static Gpt2LMHeadModel fromPretrained(Path dir, DType type) {
        return Gpt2Checkpoint.load(dir, type);
    }

    /** Writes {@code config.json} and {@code model.safetensors} that {@code GPT2LMHeadModel.from_pretrained} loads. */
    public void save(Path dir) {
        Gpt2Checkpoint.save(this, dir);
    }

    /** An independent model with equal parameters (same type), e.g. the frozen reference of RLHF. */
    public Gpt2LMHeadModel deepCopy() {
        Gpt2LMHeadModel copy = new Gpt2LMHeadModel(config(), dtype());
        copy.copyParametersFrom(this);
        return copy;
    }

    public Gpt2Model transformer() {
        return transformer;
    }

    public Gpt2Config config() {
        return transformer.config();
    }

    public DType dtype() {
        return transformer.dtype();
    }

    public void train(TensorRandom dropout) {
        transformer.train(dropout);
    }

    public void eval() {
        transformer.eval();
    }

    /** Logits (B, T, V) of {@code inputIds} (B, T). */
    public Tensor forward(Tensor inputIds) {
        return head(transformer.forward(inputIds));
    }

    /** Logits (B, T, V) of a padded batch; see {@link Gpt2Model#forward(PaddedBatch)}. */
    public Tensor forward(PaddedBatch batch) {
        return head(transformer.forward(batch));
    }

    /**
     * The tied LM head: hidden states (B, T, C) to logits (B, T, V), {@code h @ wte^T}. Backward writes dwte
     * straight into wte's (V, C) gradient (core's matmul recognises the transposed leaf), so no logits-sized
     * or vocabulary-sized copy is made either way. A half-precision wte in an inference pass is widened to float32
     * {@link #HEAD_SLAB} rows at a time, each slab's logits written into place: the float32 copy of the whole
     * table (twice the half model's largest tensor) never exists.
     */
    public Tensor head(Tensor hidden) {
        Tensor wte = transformer.wte();                                                   // (V, C)
        if (!NoGrad.isActive() || !wte.dtype().isHalf() || hidden.rank() != 3) {
            return Gpt2Model.stage(() -> hidden.matmul(wte.transpose(0, 1)));             // (B, T, V)
        }
        long v = wte.size(0);
        long[] s = hidden.shape();
        Tensor logits = Tensor.zeros(DType.FLOAT32, s[0], s[1], v);                       // (B, T, V)
        for (long first = 0; first < v; first += HEAD_SLAB) {
            long n = Math.min(HEAD_SLAB, v - first);
            try (Arena slab = Arena.open()) {
                Tensor part = hidden.matmul(wte.narrow(0, first, n).transpose(0, 1));      // (B, T, n)
                logits.narrow(2, first, n).assign(part);
            }
        }
        return logits;
    }

    /**
     * Mean next-token cross-entropy of {@code inputIds} (B, T): position t predicts token t+1, as Hugging
     * Face's {@code labels=input_ids}. Targets equal to {@code ignoreIndex} are skipped. The last position gets
     * the ignored target instead of slicing the logits, so the (B, T, V) logits are never copied.
     */
    public Tensor loss(Tensor inputIds, long ignoreIndex) {
        Tensor logits = forward(inputIds);                                     // (B, T, V)
        return logits.crossEntropy(nextTokenTargets(inputIds, ignoreIndex), ignoreIndex);
    }

    /** The targets of next-token prediction (B, T): ids shifted left, {@code ignoreIndex} at the last position. */
    static Tensor nextTokenTargets(Tensor inputIds, long ignoreIndex) {
        int b = (int) inputIds.size(0);
        int t = (int) inputIds.size(1);
        long[] ids = inputIds.toLongArray();
        long[] targets = new long[b * t];                                      // the last position predicts nothing
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                targets[r * t + j] = j + 1 < t ? ids[r * t + j + 1] : ignoreIndex;
            }
        }
        return Tensor.ofLongs(targets, b, t);
    }

    /** Mean next-token cross-entropy of {@code inputIds} (B, T), no ignored targets. */
    public Tensor loss(Tensor inputIds) {
        return loss(inputIds, -100);
    }

    /** The logits of every position of one sequence as {@code double[T][V]} (for {@code ./rlhf4j forward}). */
    public double[][] logits(int[] ids) {
        try (Arena step = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor logits = forward(Tensor.ofInts(ids, 1, ids.length));        // (1, T, V)
            double[] flat = logits.to(DType.FLOAT64).toDoubleArray();
            int v = config().vocabSize();
            double[][] out = new double[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                out[t] = java.util.Arrays.copyOfRange(flat, t * v, (t + 1) * v);
            }
            return out;
        }
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
