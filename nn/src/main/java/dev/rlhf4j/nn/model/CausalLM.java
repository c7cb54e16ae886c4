package dev.rlhf4j.nn.model;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A causal language model, Hugging Face's {@code *ForCausalLM}: a {@link DecoderModel} trunk and the LM head that
 * turns its hidden states into next-token logits. The one type through which trainers, references, rollouts and
 * generation meet a model; {@link AutoModel} builds the right family from {@code config.json}.
 *
 * <p>Legend: B batch, T time, C channels, V vocabulary.
 */
public interface CausalLM extends Module {
    /** The trunk (HF's {@code transformer} of GPT-2, {@code model} of Llama). */
    DecoderModel model();

    /** The LM head: hidden states (B, T, C) to logits (B, T, V). */
    Tensor head(Tensor hidden);

    /** An independent model with equal parameters (same type), e.g. the frozen reference of RLHF. */
    CausalLM deepCopy();

    /** Writes {@code config.json} and {@code model.safetensors} that the family's {@code from_pretrained} loads. */
    void save(Path dir);

    default ModelConfig config() {
        return model().config();
    }

    default DType dtype() {
        return model().dtype();
    }

    /** The family's random initialisation of every parameter (the trunk's, and an untied head's). */
    default void initialize(TensorRandom random) {
        model().initialize(random);
    }

    default void train(TensorRandom dropout) {
        model().train(dropout);
    }

    default void eval() {
        model().eval();
    }

    /** Logits (B, T, V) of {@code inputIds} (B, T). */
    default Tensor forward(Tensor inputIds) {
        return head(model().forward(inputIds));
    }

    /** Logits (B, T, V) of a padded batch; see {@link DecoderModel#forward(PaddedBatch)}. */
    default Tensor forward(PaddedBatch batch) {
        return head(model().forward(batch));
    }

    /**
     * Mean next-token cross-entropy of {@code inputIds} (B, T): position t predicts token t+1, as Hugging Face's
     * {@code labels=input_ids}. Targets equal to {@code ignoreIndex} are skipped. The last position gets the ignored
     * target instead of slicing the logits, so the (B, T, V) logits are never copied.
     */
    default Tensor loss(Tensor inputIds, long ignoreIndex) {
        Tensor logits = forward(inputIds);                                     // (B, T, V)
        return logits.crossEntropy(nextTokenTargets(inputIds, ignoreIndex), ignoreIndex);
    }

    /** Mean next-token cross-entropy of {@code inputIds} (B, T), no ignored targets. */
    default Tensor loss(Tensor inputIds) {
        return loss(inputIds, -100);
    }

    /** The logits of every position of one sequence as {@code double[T][V]} (for {@code ./rlhf4j forward}). */
    default double[][] logits(int[] ids) {
        try (Arena step = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor logits = forward(Tensor.ofInts(ids, 1, ids.length));        // (1, T, V)
            double[] flat = logits.to(DType.FLOAT64).toDoubleArray();
            int v = config().vocabSize();
            double[][] out = new double[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                out[t] = Arrays.copyOfRange(flat, t * v, (t + 1) * v);
            }
            return out;
        }
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
}
