package dev.rlhf4j.nn.generate;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.gpt2.KvCache;
import java.util.Arrays;

/**
 * Autoregressive decoding for a batch of prompts of different lengths. Prompts are left-padded, so every row's
 * next token is read at the same (last) position; the attention mask hides the pads and position ids follow
 * the mask. With the KV cache the prompt is processed once and each new token costs one position; without it
 * every step recomputes the whole sequence (the reference the cache is tested against).
 *
 * <p>Each step runs in its own arena under no-grad, so memory stays bounded by the cache plus one step.
 * Legend: B batch, P padded prompt length, T current length, V vocabulary.
 */
public final class Generator {
    private final Gpt2LMHeadModel model;

    public Generator(Gpt2LMHeadModel model) {
        this.model = model;
    }

    /** Generates after one prompt. */
    public GenerationResult generate(long[] prompt, GenerationConfig config) {
        return generate(new long[][] {prompt}, config);
    }

    /** Generates after each prompt of the batch. */
    public GenerationResult generate(long[][] prompts, GenerationConfig config) {
        int b = prompts.length;
        if (b == 0) {
            throw new IllegalArgumentException("Generator: no prompts");
        }
        int p = 0;
        for (int r = 0; r < b; r++) {
            if (prompts[r].length == 0) {
                throw new IllegalArgumentException("Generator: prompt " + r + " is empty");
            }
            p = Math.max(p, prompts[r].length);
        }
        int capacity = p + config.maxNewTokens();
        if (capacity > model.config().nPositions()) {
            throw new IllegalArgumentException("Generator: prompt length " + p + " + " + config.maxNewTokens()
                    + " new tokens exceed the model's " + model.config().nPositions() + " positions");
        }
        long[] ids = new long[b * capacity];                                   // (B, P + max new), left-padded
        long[] mask = new long[b * capacity];
        for (int r = 0; r < b; r++) {
            int pad = p - prompts[r].length;
            Arrays.fill(ids, r * capacity, r * capacity + pad, config.padTokenId());
            for (int j = 0; j < prompts[r].length; j++) {
                ids[r * capacity + pad + j] = prompts[r][j];
                mask[r * capacity + pad + j] = 1;
            }
        }
        long[][] tokens = new long[b][config.maxNewTokens()];
        double[][] logprobs = new double[b][config.maxNewTokens()];
        int[] produced = new int[b];
        boolean[] done = new boolean[b];
        Sampler sampler = new Sampler(config);
        KvCache cache = config.useCache() && config.maxNewTokens() > 0 ? new KvCache(model.config(), b, capacity, model.dtype()) : null;
        try {
            int length = p;                                                   // positions filled so far
            for (int step = 0; step < config.maxNewTokens(); step++) {
                double[] last;                                                // (B, V) logits at the last position
                int from = cache == null || step == 0 ? 0 : length - 1;
                try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                    Tensor input = Tensor.ofLongs(slice(ids, b, capacity, from, length), b, length - from);   // (B, T)
                    Tensor m = Tensor.ofLongs(slice(mask, b, capacity, 0, length), b, length);                // (B, L + T)
                    Tensor hidden = model.transformer().forward(input, m, null, cache, null);                // (B, T, C)
                    Tensor h = hidden.narrow(1, length - from - 1, 1);                    // (B, 1, C)
                    last = model.head(h).toDoubleArray();                                                      // (B, 1, V)
                }
                int v = model.config().vocabSize();
                requireFinite(last, v, step);
                boolean all = true;
                for (int r = 0; r < b; r++) {
                    long next = config.padTokenId();
                    if (!done[r]) {
                        Sampler.Pick pick = sampler.pick(Arrays.copyOfRange(last, r * v, (r + 1) * v));
                        next = pick.token();
                        tokens[r][produced[r]] = next;
                        logprobs[r][produced[r]] = pick.logprob();
                        produced[r]++;
                        done[r] = next == config.eosTokenId();
                    }
                    all &= done[r];
                    ids[r * capacity + length] = next;
                    mask[r * capacity + length] = 1;
                }
                length++;
                if (all) {
                    break;
                }
            }
        } finally {
            if (cache != null) {
                cache.close();
            }
        }
        for (int r = 0; r < b; r++) {
            tokens[r] = Arrays.copyOf(tokens[r], produced[r]);
            logprobs[r] = Arrays.copyOf(logprobs[r], produced[r]);
        }
        long[][] copies = new long[b][];
        for (int r = 0; r < b; r++) {
            copies[r] = prompts[r].clone();
        }
        return new GenerationResult(copies, tokens, logprobs);
    }

    /** Columns [from, to) of every row of a (rows, width) row-major array. */
    private static long[] slice(long[] a, int rows, int width, int from, int to) {
        long[] out = new long[rows * (to - from)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, r * width + from, out, r * (to - from), to - from);
        }
        return out;
    }

    /**
     * Logits with NaN or infinity (a diverged model, overflowing half-precision weights) would make every pick
     * arbitrary and every log-probability NaN; stop at the first one and say where it is.
     */
    private static void requireFinite(double[] logits, int vocab, int step) {
        for (int i = 0; i < logits.length; i++) {
            if (!Double.isFinite(logits[i])) {
                throw new IllegalStateException(String.format("generate: logit %s for token %d of row %d at new token %d; "
                        + "the model's weights or activations are not finite", logits[i], i % vocab, i / vocab, step));
            }
        }
    }
}
