package dev.rlhf4j.rlhf.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Miniature models, batches and training steps for the reference tests. */
final class Tiny {
    private Tiny() {
    }

    /** The gpt2-tiny-random fixture directory (config.json, model.safetensors, reference.json, rounded weights), from nn's test-jar. */
    static Path fixture() {
        return dev.rlhf4j.nn.Fixtures.path("gpt2-tiny-random");
    }

    static JsonNode reference() {
        try {
            return new ObjectMapper().readTree(fixture().resolve("reference.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static Gpt2LMHeadModel fixtureModel(DType type) {
        return Gpt2LMHeadModel.fromPretrained(fixture(), type);
    }

    /** A random GPT-2 of {@code layers} blocks, 4 heads, 16 channels, 32 positions, vocabulary 64, no dropout. */
    static Gpt2LMHeadModel random(int layers, long seed) {
        Gpt2Config c = new Gpt2Config(layers, 4, 16, 32, 64, 1e-5, "gelu_new", "float32", 63, 63, 0.0, 0.0, 0.0);
        return Gpt2LMHeadModel.random(c, DType.FLOAT32, seed);
    }

    /** {@code n} random sequences of 3 to {@code maxLength} ids below {@code vocab}. */
    static List<int[]> sequences(int n, int maxLength, int vocab, long seed) {
        Random random = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] s = new int[3 + random.nextInt(maxLength - 2)];
            for (int j = 0; j < s.length; j++) {
                s[j] = random.nextInt(vocab);
            }
            out.add(s);
        }
        return out;
    }

    /**
     * The completion mask (B, T-1) of a batch: position t is scored iff tokens t and t+1 are real and token t+1 lies
     * after the row's first {@code prompt} real tokens.
     */
    static Tensor completionMask(PaddedBatch batch, int prompt) {
        int b = batch.batchSize();
        int w = batch.length() - 1;
        double[] m = new double[b * w];
        for (int r = 0; r < b; r++) {
            int seen = 0;
            for (int t = 0; t < w; t++) {
                seen += batch.mask(r, t);
                boolean real = batch.mask(r, t) != 0 && batch.mask(r, t + 1) != 0;
                m[r * w + t] = real && seen >= prompt ? 1.0 : 0.0;
            }
        }
        return Tensor.of(m, DType.FLOAT32, b, w);
    }

    /** {@code steps} AdamW steps (lr 1e-2) of next-token cross-entropy on {@code ids}; returns the optimizer. */
    static AdamW train(Gpt2LMHeadModel policy, int[] ids, int steps) {
        AdamW opt = adamW(policy);
        for (int s = 0; s < steps; s++) {
            step(policy, opt, ids);
        }
        return opt;
    }

    /** AdamW (lr 1e-2, betas 0.9 / 0.95, weight decay 0.1) over the trainable parameters of {@code policy}. */
    static AdamW adamW(Gpt2LMHeadModel policy) {
        return new AdamW(policy.namedParameters(), new AdamW.Config(1e-2, 0.9, 0.95, 1e-8, 0.1), name -> true);
    }

    /** One training step of next-token cross-entropy on {@code ids}, with dropout if the config has it. */
    static void step(Gpt2LMHeadModel policy, AdamW opt, int[] ids) {
        policy.train(new TensorRandom(5));
        try (Arena a = Arena.open()) {
            policy.loss(Tensor.ofInts(ids, 1, ids.length)).backward();
            opt.step();
            opt.zeroGrad();
        }
        policy.eval();
    }

    /** The log-probs as doubles, computed and read inside their own arena. */
    static double[] values(ReferenceModel ref, PaddedBatch batch, Tensor mask) {
        try (Arena a = Arena.open()) {
            return ref.logProbs(batch, mask).logProbs().toDoubleArray();
        }
    }

    /** A model's own log-probs, as a reference pass computes them. */
    static double[] values(LogitsModel model, PaddedBatch batch, Tensor mask) {
        try (Arena a = Arena.open()) {
            return model.referenceLogProbs(batch, mask).logProbs().toDoubleArray();
        }
    }
}
