package dev.rlhf4j.nn.generate;

/**
 * How to decode.
 *
 * @param maxNewTokens upper bound on generated tokens per row
 * @param doSample false: greedy (argmax); true: sample from the processed distribution
 * @param temperature logits are divided by it before sampling (> 0)
 * @param topK keep only the k most likely tokens (0 = off)
 * @param topP keep the smallest set of most likely tokens whose probability reaches p (1 = off)
 * @param eosTokenId a row stops after producing it; -1 = never stop early
 * @param padTokenId fed to rows that have stopped, and used to left-pad prompts
 * @param seed seeds the random source, so a run can be replayed
 * @param useCache KV-cached incremental decoding (false recomputes the whole sequence each step)
 */
public record GenerationConfig(int maxNewTokens, boolean doSample, double temperature, int topK, double topP,
                               int eosTokenId, int padTokenId, long seed, boolean useCache) {

    public GenerationConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("GenerationConfig: maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("GenerationConfig: temperature must be > 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("GenerationConfig: topK must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("GenerationConfig: topP must be in (0, 1], got " + topP);
        }
        if (padTokenId < 0) {
            throw new IllegalArgumentException("GenerationConfig: padTokenId must be a token id, got " + padTokenId);
        }
    }

    /** Greedy decoding with the KV cache, stopping at {@code eosTokenId} (-1: never). */
    public static GenerationConfig greedy(int maxNewTokens, int eosTokenId) {
        return new GenerationConfig(maxNewTokens, false, 1.0, 0, 1.0, eosTokenId, Math.max(eosTokenId, 0), 0L, true);
    }

    /** Sampling with temperature, top-k and top-p, seeded, with the KV cache. */
    public static GenerationConfig sampling(int maxNewTokens, double temperature, int topK, double topP, int eosTokenId, long seed) {
        return new GenerationConfig(maxNewTokens, true, temperature, topK, topP, eosTokenId, Math.max(eosTokenId, 0), seed, true);
    }

    /**
     * Greedy unless a sampling option is set (a temperature, or top-k or top-p other than off); a set option, valid or
     * not, goes through {@link #sampling}, whose checks name a bad value. A null temperature samples at 1.
     */
    public static GenerationConfig of(int maxNewTokens, Double temperature, int topK, double topP, int eosTokenId, long seed) {
        boolean sample = temperature != null || topK != 0 || topP != 1.0;
        return sample ? sampling(maxNewTokens, temperature == null ? 1.0 : temperature, topK, topP, eosTokenId, seed)
                : greedy(maxNewTokens, eosTokenId);
    }

    public GenerationConfig withCache(boolean cache) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, eosTokenId, padTokenId, seed, cache);
    }

    public GenerationConfig withMaxNewTokens(int n) {
        return new GenerationConfig(n, doSample, temperature, topK, topP, eosTokenId, padTokenId, seed, useCache);
    }
}
