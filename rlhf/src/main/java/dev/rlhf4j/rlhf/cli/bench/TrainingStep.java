package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.nn.optim.AdamW;
import java.util.Random;

/**
 * The plain language-model training step that {@code bench train} measures and that {@code bench ppo} and
 * {@code bench dpo} divide by: a randomly initialised float32 GPT-2 (dropout off), a batch of B random sequences of
 * T tokens, next-token loss over every position, backward, AdamW (GPT-2's settings, decay on matrices only).
 *
 * <p>FLOPs are counted as {@code bench train} counts them: per token, {@code 2 N} for a forward through the N
 * weights that multiply activations (wte as the tied head included, wpe excluded) plus {@code 4 L C T} for attention;
 * a training step is three forwards' worth (forward and a backward of twice its cost).
 */
final class TrainingStep implements AutoCloseable {
    final ModelConfig config;
    final int batch;
    final int seq;
    private final CausalLM model;
    private final AdamW opt;
    private final Tensor input;
    /** Nanoseconds spent so far in forward, backward and optimizer (with the arena's release). */
    final long[] phases = new long[3];

    TrainingStep(String preset, int batch, int seq, String command) {
        this.config = AutoModel.preset(preset).withoutDropout();
        if (batch < 1 || seq < 2 || seq > config.maxPositions()) {
            throw new IllegalArgumentException("bench " + command + ": --batch " + batch + " must be >= 1 and --seq " + seq
                    + " must lie in [2, n_positions " + config.maxPositions() + "]");
        }
        this.batch = batch;
        this.seq = seq;
        this.model = AutoModel.random(config, DType.FLOAT32, 1337);
        this.opt = new AdamW(model.namedParameters(), AdamW.Config.gpt2(), AdamW.matricesOnly(model.namedParameters()));
        TensorRandom random = new TensorRandom(7);
        long[] ids = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextLong(config.vocabSize());
        }
        this.input = Tensor.ofLongs(ids, batch, seq);
    }

    /** One step; returns its wall time in seconds and adds its phases to {@link #phases}. */
    double run() {
        long start = System.nanoTime();
        long t0 = start;
        try (Arena step = Arena.open()) {
            Tensor loss = model.loss(input);
            long t1 = System.nanoTime();
            loss.backward();
            long t2 = System.nanoTime();
            opt.step();
            opt.zeroGrad();
            phases[0] += t1 - t0;
            phases[1] += t2 - t1;
            t0 = t2;
        }
        long end = System.nanoTime();
        phases[2] += end - t0;
        return (end - start) / 1e9;
    }

    /** B * T: the tokens one step trains on. */
    double tokens() {
        return (double) batch * seq;
    }

    /** The weights that multiply activations in a forward with the LM head: all but wpe. */
    double weights() {
        return model.numParameters() - (double) config.maxPositions() * config.hiddenSize();
    }

    /** FLOPs of one training step. */
    double flops() {
        return 3 * forwardFlops(tokens(), seq, true);
    }

    /**
     * FLOPs of a forward over {@code tokens} tokens in sequences of {@code length}, through the whole model or, without
     * the head, through the trunk alone (a reward model's or a critic's: their scalar heads cost nothing).
     */
    double forwardFlops(double tokens, double length, boolean withHead) {
        double n = withHead ? weights() : weights() - (double) config.vocabSize() * config.hiddenSize();
        return (2 * n + 4.0 * config.numLayers() * config.hiddenSize() * length) * tokens;
    }

    /** {@code n} random token ids of this vocabulary, none of them EOS (a prompt or completion of the RLHF benchmarks). */
    int[] randomTokens(Random random, int n) {
        int[] t = new int[n];
        for (int j = 0; j < n; j++) {
            t[j] = random.nextInt(config.vocabSize() - 1);
            t[j] = t[j] >= config.eosTokenId() ? t[j] + 1 : t[j];
        }
        return t;
    }

    @Override
    public void close() {
        input.release();
        opt.release();
        model.release();
    }
}
