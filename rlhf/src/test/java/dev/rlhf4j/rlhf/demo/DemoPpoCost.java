package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.train.CompletionBatch;
import dev.rlhf4j.rlhf.train.CompletionExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Throwaway: the cost of one PPO iteration's work with stand-in losses (not PPO's): 64 rollouts of up to 24 tokens,
 * three no-grad forwards (reference, reward model, old policy/values), then ppoEpochs x minibatches of a policy and
 * a value-model forward/backward/AdamW. args: sftDir ppoEpochs minibatchSize iterations
 */
public final class DemoPpoCost {
    public static void main(String[] args) {
        Gpt2LMHeadModel ref = Gpt2LMHeadModel.fromPretrained(java.nio.file.Path.of(args[0]), DType.FLOAT32);
        int ppoEpochs = Integer.parseInt(args[1]);
        int mb = Integer.parseInt(args[2]);
        int iterations = Integer.parseInt(args[3]);
        Gpt2LMHeadModel policy = ref.deepCopy();
        Gpt2LMHeadModel value = ref.deepCopy();
        AdamW po = new AdamW(policy.namedParameters(), new AdamW.Config(1e-5, 0.9, 0.99, 1e-8, 0), AdamW.matricesOnly(policy.namedParameters()));
        AdamW vo = new AdamW(value.namedParameters(), new AdamW.Config(1e-5, 0.9, 0.99, 1e-8, 0), AdamW.matricesOnly(value.namedParameters()));
        Gpt2Tokenizer tok = ReviewCorpus.generate(4000, 1).trainTokenizer(400);
        int eos = tok.eosTokenId();
        long total = 0;
        for (int it = 0; it < iterations; it++) {
            long t0 = System.nanoTime();
            List<int[]> prompts = ReviewCorpus.prompts(64, it).stream().map(tok::encode).toList();
            List<int[]> comps = DemoPipelineSketch.completions(new Generator(policy).generate(prompts,
                    GenerationConfig.sampling(24, 1.0, 0, 1.0, eos, it)), eos);
            long t1 = System.nanoTime();
            List<CompletionExample> ex = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                ex.add(new CompletionExample(prompts.get(i), comps.get(i)));
            }
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                CompletionBatch batch = CompletionBatch.of(ex, eos);
                Tensor ids = batch.inputIds();
                Tensor mask = batch.completionMask(DType.FLOAT32);
                TokenLogProbs.of(ref.forward(ids), ids, mask, 1).sum().sum().item();
                TokenLogProbs.of(policy.forward(ids), ids, mask, 1).sum().sum().item();
                value.transformer().forward(batch.batch()).sum().item();
            }
            long t2 = System.nanoTime();
            for (int e = 0; e < ppoEpochs; e++) {
                for (int s = 0; s < 64; s += mb) {
                    try (Arena a = Arena.open()) {
                        CompletionBatch batch = CompletionBatch.of(ex.subList(s, s + mb), eos);
                        Tensor ids = batch.inputIds();
                        Tensor mask = batch.completionMask(DType.FLOAT32);
                        TokenLogProbs.of(policy.forward(ids), ids, mask, 1).sum().mean().neg().backward();
                        po.step();
                        po.zeroGrad();
                        value.transformer().forward(batch.batch()).mean().backward();
                        vo.step();
                        vo.zeroGrad();
                    }
                }
            }
            long t3 = System.nanoTime();
            if (it > 0) {
                total += t3 - t0;
            }
            System.out.printf(Locale.ROOT, "iteration %d: generate %.0f ms, 3 no-grad forwards %.0f ms, %d x %d updates %.0f ms, total %.0f ms%n",
                    it, (t1 - t0) / 1e6, (t2 - t1) / 1e6, ppoEpochs, 64 / mb, (t3 - t2) / 1e6, (t3 - t0) / 1e6);
        }
        System.out.printf(Locale.ROOT, "mean iteration after the first: %.0f ms%n", total / 1e6 / (iterations - 1));
    }
}
