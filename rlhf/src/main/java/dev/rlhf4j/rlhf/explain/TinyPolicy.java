package dev.rlhf4j.rlhf.explain;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.demo.GoldReward;
import dev.rlhf4j.rlhf.demo.ReviewCorpus;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The policy {@code explain} runs on when no {@code --model} is given, built in a second from the seed: a byte-level
 * BPE trained on a few of the demo's reviews ({@link ReviewCorpus}) and a random 2-layer GPT-2 of its vocabulary;
 * and the demo's prompts and preference pairs in its tokens.
 *
 * @param model     the policy
 * @param tokenizer its tokenizer
 */
public record TinyPolicy(CausalLM model, Gpt2Tokenizer tokenizer) {
    /** Reviews the tokenizer learns from, and BPE merges it keeps. */
    static final int REVIEWS = 48;
    static final int MERGES = 160;

    /** The tiny policy of {@code seed}: same seed, same tokenizer and weights. */
    public static TinyPolicy of(long seed) {
        Gpt2Tokenizer tokenizer = ReviewCorpus.generate(REVIEWS, seed).trainTokenizer(MERGES);
        int eos = tokenizer.eosTokenId();
        ModelConfig config = AutoModel.preset("gpt2").withoutDropout().resized(2, 2, 32, 64, tokenizer.vocabSize(), eos, eos);
        return new TinyPolicy(AutoModel.random(config, DType.FLOAT32, seed), tokenizer);
    }

    /** {@code n} of the demo's prompts, tokenized. */
    public static List<int[]> prompts(Gpt2Tokenizer tokenizer, int n, long seed) {
        return ReviewCorpus.prompts(n, seed).stream().map(tokenizer::encode).toList();
    }

    /** {@code n} pairs of two demo reviews of one prompt, the one the gold reward prefers chosen; completions end with EOS. */
    public static List<PreferenceExample> pairs(Gpt2Tokenizer tokenizer, int n, long seed) {
        List<ReviewCorpus.Review> reviews = ReviewCorpus.generate(2 * n, seed).reviews();
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ReviewCorpus.Review a = reviews.get(2 * i);
            String other = reviews.get(2 * i + 1).completion();
            boolean aWins = GoldReward.of(a.completion()) >= GoldReward.of(other);
            int[] chosen = withEos(tokenizer.encode(aWins ? a.completion() : other), tokenizer.eosTokenId());
            int[] rejected = withEos(tokenizer.encode(aWins ? other : a.completion()), tokenizer.eosTokenId());
            out.add(new PreferenceExample(tokenizer.encode(a.prompt()), chosen, rejected));
        }
        return out;
    }

    private static int[] withEos(int[] ids, int eos) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }

    /** The token each (B, T-1) position predicts, decoded (spaces as _, a byte fragment or control as #id), row-major. */
    static String[] tokenLabels(CompletionBatch batch, Gpt2Tokenizer tokenizer) {
        int[][] ids = batch.batch().inputIds();
        int w = batch.batch().length() - 1;
        String[] out = new String[ids.length * w];
        for (int b = 0; b < ids.length; b++) {
            for (int s = 0; s < w; s++) {
                String text = tokenizer.decode(new int[] {ids[b][s + 1]});
                boolean printable = text.codePoints().allMatch(c -> c >= ' ' && c != 0x7f && c != 0xfffd);
                out[b * w + s] = printable ? text.replace(' ', '_') : "#" + ids[b][s + 1];
            }
        }
        return out;
    }
}
