package dev.rlhf4j.nn.generate;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.KvCache;
import java.util.Arrays;
import java.util.List;

/**
 * Autoregressive decoding for a batch of prompts of different lengths. Prompts are left-padded, so every row's
 * next token is read at the same (last) column; the attention mask hides the pads and position ids follow the
 * mask. Each step appends one column to the {@link PaddedBatch}: a row's new token, or the pad id (as a real
 * token, like Hugging Face) once the row has produced EOS. With the KV cache the prompt is processed once and
 * each new token costs one position; without it every step recomputes the whole sequence (the reference the
 * cache is tested against).
 *
 * <p>Each step runs in its own arena under no-grad, so memory stays bounded by the cache plus one step.
 * Legend: B batch, P padded prompt length, T current length, C channels, V vocabulary.
 */
public final class Generator {
    private final CausalLM model;

    public Generator(CausalLM model) {
        this.model = model;
    }

    /** Generates after one prompt. */
    public GenerationResult generate(int[] prompt, GenerationConfig config) {
        return generate(List.of(prompt), config);
    }

    /** Generates after each prompt, left-padded with the config's pad id. */
    public GenerationResult generate(List<int[]> prompts, GenerationConfig config) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("Generator: no prompts");
        }
        return generate(PaddedBatch.leftPadded(prompts, config.padTokenId()), config);
    }

    /**
     * Generates after each prompt, row {@code r} drawing from its own random stream seeded by {@code rowSeeds[r]}
     * ({@code config.seed()} is unused). A row's tokens then depend on its seed and its prompt, not on which other rows
     * share the batch or in what order: what lets a rollout be split across machines and still draw the same tokens.
     */
    public GenerationResult generate(List<int[]> prompts, GenerationConfig config, long[] rowSeeds) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("Generator: no prompts");
        }
        if (rowSeeds.length != prompts.size()) {
            throw new IllegalArgumentException("Generator: " + prompts.size() + " prompts need as many row seeds, got " + rowSeeds.length);
        }
        Sampler[] samplers = new Sampler[rowSeeds.length];
        for (int r = 0; r < samplers.length; r++) {
            samplers[r] = new Sampler(config, rowSeeds[r]);
        }
        return generate(PaddedBatch.leftPadded(prompts, config.padTokenId()), config, samplers);
    }

    /** Generates after each row of a left-padded batch (every row ends in the last column); the rows share one random stream. */
    public GenerationResult generate(PaddedBatch prompts, GenerationConfig config) {
        Sampler shared = new Sampler(config, config.seed());
        Sampler[] samplers = new Sampler[prompts.batchSize()];
        Arrays.fill(samplers, shared);
        return generate(prompts, config, samplers);
    }

    private GenerationResult generate(PaddedBatch prompts, GenerationConfig config, Sampler[] samplers) {
        int b = prompts.batchSize();
        int p = prompts.length();
        int[] lastReal = prompts.lastIndex();
        for (int r = 0; r < b; r++) {
            if (lastReal[r] != p - 1) {
                throw new IllegalArgumentException("Generator: prompt " + r + " ends in padding; generation needs left-padded prompts");
            }
        }
        if (p + config.maxNewTokens() > model.config().maxPositions()) {
            throw new IllegalArgumentException("Generator: prompt length " + p + " + " + config.maxNewTokens()
                    + " new tokens exceed the model's " + model.config().maxPositions() + " positions");
        }
        int[][] tokens = new int[b][config.maxNewTokens()];
        double[][] logprobs = new double[b][config.maxNewTokens()];
        int[] produced = new int[b];
        boolean[] done = new boolean[b];
        int v = model.config().vocabSize();
        PaddedBatch batch = prompts;                                           // (B, T)
        KvCache cache = config.useCache() && config.maxNewTokens() > 0
                ? model.model().newCache(b, p + config.maxNewTokens()) : null;
        try {
            for (int step = 0; step < config.maxNewTokens(); step++) {
                double[] logits = nextTokenLogits(batch, cache);               // (B, V)
                requireFinite(logits, v, step);
                int[] next = new int[b];
                boolean all = true;
                for (int r = 0; r < b; r++) {
                    next[r] = config.padTokenId();
                    if (!done[r]) {
                        Sampler.Pick pick = samplers[r].pick(Arrays.copyOfRange(logits, r * v, (r + 1) * v));
                        next[r] = pick.token();
                        tokens[r][produced[r]] = pick.token();
                        logprobs[r][produced[r]] = pick.logprob();
                        produced[r]++;
                        done[r] = pick.token() == config.eosTokenId();
                    }
                    all &= done[r];
                }
                if (all) {
                    break;
                }
                batch = batch.append(next);
            }
        } finally {
            if (cache != null) {
                cache.close();
            }
        }
        int[][] unpadded = new int[b][];
        for (int r = 0; r < b; r++) {
            unpadded[r] = prompts.tokens(r);
            tokens[r] = Arrays.copyOf(tokens[r], produced[r]);
            logprobs[r] = Arrays.copyOf(logprobs[r], produced[r]);
        }
        return new GenerationResult(unpadded, tokens, logprobs);
    }

    /** The logits (B, V) of every row's next token, read at the last column; through the cache if there is one. */
    private double[] nextTokenLogits(PaddedBatch batch, KvCache cache) {
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor hidden = cache == null ? model.model().forward(batch)
                    : model.model().forward(batch, cache);              // (B, T or 1, C)
            Tensor h = hidden.narrow(1, hidden.size(1) - 1, 1);               // (B, 1, C)
            return model.head(h).toDoubleArray();                             // (B, 1, V)
        }
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
