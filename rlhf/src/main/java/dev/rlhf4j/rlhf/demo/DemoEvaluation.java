package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.GenerationResult;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's evaluation (stage 7): each stage's policy completes the same held-out prompts with the same sampling
 * seed at temperature 1, and each completion gets its {@link GoldReward}, its reward-model score, and its KL to the
 * reference on the policy's own sample,
 * <pre>
 *   KL = mean_i sum_t [ log pi(y_i,t | x_i, y_i,&lt;t) - log pi_ref(y_i,t | x_i, y_i,&lt;t) ]    (nats per completion)
 * </pre>
 * a Monte Carlo estimate of KL(pi || pi_ref) over whole completions (0 for the reference itself).
 */
public final class DemoEvaluation {
    private static final int BATCH = 64;

    private final Gpt2Tokenizer tokenizer;
    private final RewardFunction rewardModel;
    private final ReferenceModel reference;
    private final List<String> prompts;
    private final List<int[]> promptIds;
    private final int maxNewTokens;
    private final long seed;

    /**
     * @param rewardModel  the trained reward model, scoring prompt + completion
     * @param reference    the frozen SFT model
     * @param prompts      the evaluation prompts, the same for every stage
     * @param seed         the sampling seed, the same for every stage
     */
    public DemoEvaluation(Gpt2Tokenizer tokenizer, RewardFunction rewardModel, ReferenceModel reference, List<String> prompts,
                          int maxNewTokens, long seed) {
        this.tokenizer = tokenizer;
        this.rewardModel = rewardModel;
        this.reference = reference;
        this.prompts = List.copyOf(prompts);
        this.promptIds = prompts.stream().map(tokenizer::encode).toList();
        this.maxNewTokens = maxNewTokens;
        this.seed = seed;
    }

    /**
     * Samples and scores one stage.
     *
     * @param isReference whether {@code policy} is the reference model itself (its KL is then 0 by definition)
     */
    public StageSamples evaluate(String stage, CausalLM policy, boolean isReference) {
        int eos = tokenizer.eosTokenId();
        GenerationResult result = new Generator(policy).generate(promptIds,
                GenerationConfig.sampling(maxNewTokens, 1.0, 0, 1.0, eos, seed));
        List<CompletionExample> examples = new ArrayList<>(prompts.size());
        List<String> texts = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            examples.add(new CompletionExample(promptIds.get(i), result.tokens()[i]));
            texts.add(tokenizer.decode(result.tokens()[i]));
        }
        double[] scores = scores(rewardModel, examples, eos);
        double kl = isReference ? 0.0 : klToReference(policy, examples, eos);
        return StageSamples.scored(stage, prompts, texts, scores, kl);
    }

    /** The reward function's score of each example, in batches. */
    public static double[] scores(RewardFunction reward, List<CompletionExample> examples, int padId) {
        double[] out = new double[examples.size()];
        for (int from = 0; from < examples.size(); from += BATCH) {
            List<CompletionExample> part = examples.subList(from, Math.min(examples.size(), from + BATCH));
            try (Arena pass = Arena.open(); NoGrad ng = NoGrad.enter()) {
                double[] s = reward.scores(CompletionBatch.of(part, padId)).to(DType.FLOAT64).toDoubleArray();  // (B)
                System.arraycopy(s, 0, out, from, s.length);
            }
        }
        return out;
    }

    /** Mean over the examples of the summed per-token log-ratio of the policy to the reference. */
    private double klToReference(CausalLM policy, List<CompletionExample> examples, int padId) {
        double sum = 0;
        for (int from = 0; from < examples.size(); from += BATCH) {
            List<CompletionExample> part = examples.subList(from, Math.min(examples.size(), from + BATCH));
            try (Arena pass = Arena.open(); NoGrad ng = NoGrad.enter()) {
                CompletionBatch batch = CompletionBatch.of(part, padId);
                Tensor ids = batch.inputIds();                                                   // (B, T)
                Tensor mask = batch.completionMask(DType.FLOAT32);                               // (B, T-1)
                Tensor logp = TokenLogProbs.of(policy.forward(batch.batch()), ids, mask, 1.0).sum();  // (B)
                Tensor refLogp = reference.logProbs(batch.batch(), mask, 1.0).sum();             // (B)
                double[] ratio = logp.to(DType.FLOAT64).sub(refLogp.to(DType.FLOAT64)).toDoubleArray();
                for (double r : ratio) {
                    sum += r;
                }
            }
        }
        return sum / examples.size();
    }
}
