package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.GenerationResult;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.rlhf.train.CompletionExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Throwaway feasibility timing for issue 14 (not a test): args layer head embd sftSteps batch merges. */
public final class DemoTiming {
    public static void main(String[] args) {
        int layers = Integer.parseInt(args[0]);
        int heads = Integer.parseInt(args[1]);
        int embd = Integer.parseInt(args[2]);
        int sftSteps = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        int merges = Integer.parseInt(args[5]);
        double lr = args.length > 6 ? Double.parseDouble(args[6]) : 2e-3;
        long t0 = System.nanoTime();
        ReviewCorpus corpus = ReviewCorpus.generate(4000, 1);
        long t1 = System.nanoTime();
        Gpt2Tokenizer tok = corpus.trainTokenizer(merges);
        long t2 = System.nanoTime();
        List<CompletionExample> sft = corpus.sftExamples(tok);
        long words = corpus.reviews().stream().mapToLong(r -> SentimentLexicon.words(r.prompt() + r.completion()).size()).sum();
        long tokens = sft.stream().mapToLong(e -> e.tokens().length - 1).sum();
        int maxLen = sft.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        int maxCompletion = sft.stream().mapToInt(e -> e.completion().length).max().orElseThrow();
        System.out.printf(Locale.ROOT, "corpus %.1f ms, bpe(%d merges) %.1f ms, vocab %d, tokens/word %.3f, mean seq %.1f, max seq %d, max completion %d%n",
                (t1 - t0) / 1e6, merges, (t2 - t1) / 1e6, tok.vocabSize(), (double) tokens / words, (double) tokens / sft.size() + 1, maxLen, maxCompletion);
        java.util.Map<String, Integer> wordTokens = new java.util.TreeMap<>();
        corpus.reviews().forEach(r -> SentimentLexicon.words(r.prompt() + r.completion()).forEach(w -> wordTokens.put(w, tok.encode(" " + w).length)));
        long one = wordTokens.values().stream().filter(n -> n == 1).count();
        long two = wordTokens.values().stream().filter(n -> n == 2).count();
        System.out.printf(Locale.ROOT, "distinct words %d: one token %d, two tokens %d, more %s%n", wordTokens.size(), one, two,
                wordTokens.entrySet().stream().filter(e -> e.getValue() > 2).toList());
        double[] g = GoldReward.of(corpus.reviews().stream().map(ReviewCorpus.Review::completion).toList());
        System.out.printf(Locale.ROOT, "corpus gold mean %.3f sd %.3f%n", Arrays.stream(g).average().orElseThrow(),
                new org.apache.commons.math3.stat.descriptive.DescriptiveStatistics(g).getStandardDeviation());

        int eos = tok.eosTokenId();
        Gpt2Config config = new Gpt2Config(layers, heads, embd, 64, tok.vocabSize(), 1e-5, "gelu_new", "float32", eos, eos, 0, 0, 0);
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 1);
        System.out.printf(Locale.ROOT, "model L%d H%d C%d params %d%n", layers, heads, embd, model.numParameters());
        AdamW opt = new AdamW(model.namedParameters(), new AdamW.Config(lr, 0.9, 0.99, 1e-8, 0.0), AdamW.matricesOnly(model.namedParameters()));
        LrSchedule schedule = LrSchedule.warmupCosine(lr, Math.max(1, sftSteps / 20), sftSteps, lr / 10);
        Random random = new Random(2);
        long start = System.nanoTime();
        long warm = 0;
        for (int step = 0; step < sftSteps; step++) {
            if (step == 3) {
                warm = System.nanoTime();
            }
            schedule.apply(opt, step);
            List<CompletionExample> b = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                b.add(sft.get(random.nextInt(sft.size())));
            }
            double loss = sftStep(model, opt, b, eos);
            if (step % Math.max(1, sftSteps / 10) == 0 || step == sftSteps - 1) {
                System.out.printf(Locale.ROOT, "sft step %d loss %.4f  (%.1f s)%n", step, loss, (System.nanoTime() - start) / 1e9);
            }
        }
        long end = System.nanoTime();
        System.out.printf(Locale.ROOT, "SFT: %d steps batch %d: %.1f s total, %.1f ms/step after warm-up%n", sftSteps, batch,
                (end - start) / 1e9, (end - warm) / 1e6 / Math.max(1, sftSteps - 3));

        List<String> prompts = ReviewCorpus.prompts(64, 99);
        List<int[]> promptIds = prompts.stream().map(tok::encode).toList();
        Generator generator = new Generator(model);
        model.eval();
        for (int round = 0; round < 3; round++) {
            long s = System.nanoTime();
            GenerationResult result = generator.generate(promptIds, GenerationConfig.sampling(24, 1.0, 0, 1.0, eos, 5 + round));
            long e = System.nanoTime();
            List<String> completions = new ArrayList<>();
            int finished = 0;
            for (int[] row : result.tokens()) {
                int n = 0;
                while (n < row.length && row[n] != eos) {
                    n++;
                }
                finished += n < row.length ? 1 : 0;
                completions.add(tok.decode(Arrays.copyOf(row, n)) + (n < row.length ? ReviewCorpus.END : ""));
            }
            double[] gold = GoldReward.of(completions);
            System.out.printf(Locale.ROOT, "generate 64 x 24: %.1f ms; ended with EOS %d/64; gold mean %.3f sd %.3f%n", (e - s) / 1e6,
                    finished, Arrays.stream(gold).average().orElseThrow(),
                    new org.apache.commons.math3.stat.descriptive.DescriptiveStatistics(gold).getStandardDeviation());
            if (round == 0) {
                for (int i = 0; i < 12; i++) {
                    System.out.printf(Locale.ROOT, "  %-30s|%s|  gold %.1f%n", prompts.get(i), completions.get(i), gold[i]);
                }
            }
        }
        List<String> pairPrompts = ReviewCorpus.prompts(512, 123);
        List<int[]> pairIds = pairPrompts.stream().map(tok::encode).toList();
        long ps = System.nanoTime();
        List<String> firsts = decode(generator.generate(pairIds, GenerationConfig.sampling(24, 1.0, 0, 1.0, eos, 77)), tok, eos);
        List<String> seconds = decode(generator.generate(pairIds, GenerationConfig.sampling(24, 1.0, 0, 1.0, eos, 78)), tok, eos);
        System.out.printf(Locale.ROOT, "2 x 512 samples: %.1f s%n", (System.nanoTime() - ps) / 1e9);
        int ties = 0;
        int identical = 0;
        double[] diffs = new double[512];
        for (int i = 0; i < 512; i++) {
            diffs[i] = Math.abs(GoldReward.of(firsts.get(i)) - GoldReward.of(seconds.get(i)));
            ties += diffs[i] == 0 ? 1 : 0;
            identical += firsts.get(i).equals(seconds.get(i)) ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "pairs: ties %d/512, identical %d/512, mean |gold diff| %.3f%n", ties, identical, Arrays.stream(diffs).average().orElseThrow());
        for (double tau : new double[] {0.1, 0.25, 0.5, 1.0}) {
            double all = 0;
            double decisive = 0;
            for (double d : diffs) {
                double q = 1 / (1 + Math.exp(-d / tau));
                all += q;
                decisive += d > 0 ? q : 0;
            }
            System.out.printf(Locale.ROOT, "tau %.2f: label agreement with gold (Bayes bound on accuracy vs labels) all pairs %.3f, non-tied %.3f%n",
                    tau, all / 512, decisive / (512 - ties));
        }
        // a PPO/DPO-like step: batch 2*batch, forward + backward (the trainers add a no-grad reference forward)
        List<CompletionExample> big = new ArrayList<>();
        for (int i = 0; i < 2 * batch; i++) {
            big.add(sft.get(random.nextInt(sft.size())));
        }
        for (int r = 0; r < 2; r++) {
            long s = System.nanoTime();
            sftStep(model, opt, big, eos);
            long m = System.nanoTime();
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                model.forward(ids(big, eos));
            }
            long e = System.nanoTime();
            System.out.printf(Locale.ROOT, "train step batch %d: %.1f ms; no-grad forward: %.1f ms%n", 2 * batch, (m - s) / 1e6, (e - m) / 1e6);
        }
    }

    static List<String> decode(GenerationResult result, Gpt2Tokenizer tok, int eos) {
        List<String> out = new ArrayList<>();
        for (int[] row : result.tokens()) {
            int n = 0;
            while (n < row.length && row[n] != eos) {
                n++;
            }
            out.add(tok.decode(Arrays.copyOf(row, n)) + (n < row.length ? ReviewCorpus.END : ""));
        }
        return out;
    }

    static Tensor ids(List<CompletionExample> examples, int eos) {
        int t = examples.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        long[] ids = new long[examples.size() * t];
        Arrays.fill(ids, eos);
        for (int b = 0; b < examples.size(); b++) {
            int[] tokens = examples.get(b).tokens();
            for (int j = 0; j < tokens.length; j++) {
                ids[b * t + j] = tokens[j];
            }
        }
        return Tensor.ofLongs(ids, examples.size(), t);
    }

    /** Completion-only next-token loss over a right-padded batch. */
    static double sftStep(Gpt2LMHeadModel model, AdamW opt, List<CompletionExample> examples, int eos) {
        int t = examples.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        long[] targets = new long[examples.size() * t];
        Arrays.fill(targets, -100);
        for (int b = 0; b < examples.size(); b++) {
            CompletionExample e = examples.get(b);
            int[] tokens = e.tokens();
            for (int j = e.prompt().length - 1; j < tokens.length - 1; j++) {
                targets[b * t + j] = tokens[j + 1];
            }
        }
        try (Arena step = Arena.open()) {
            Tensor logits = model.forward(ids(examples, eos));                         // (B, T, V)
            Tensor loss = logits.crossEntropy(Tensor.ofLongs(targets, examples.size(), t), -100);
            loss.backward();
            double value = loss.item();
            opt.step();
            opt.zeroGrad();
            return value;
        }
    }
}
