package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.GenerationResult;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.gpt2.ScoreHead;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.nn.optim.LrSchedule;
import dev.rlhf4j.rlhf.dpo.PreferenceLogProbs;
import dev.rlhf4j.rlhf.dpo.PreferenceOutput;
import dev.rlhf4j.rlhf.dpo.SigmoidDpoLoss;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reward.BradleyTerryLoss;
import dev.rlhf4j.rlhf.train.CompletionBatch;
import dev.rlhf4j.rlhf.train.CompletionExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Throwaway feasibility sketch (not a test, not the trainers): SFT, 2 samples per prompt, Bradley-Terry labels, a
 * reward model and DPO at the proposed sizes, timed, with the held-out accuracy and the gold gain.
 * args: L H C sftSteps pairsPrompts tau rmEpochs dpoEpochs beta rmLr dpoLr
 */
public final class DemoPipelineSketch {
    public static void main(String[] args) {
        int layers = Integer.parseInt(args[0]);
        int heads = Integer.parseInt(args[1]);
        int embd = Integer.parseInt(args[2]);
        int sftSteps = Integer.parseInt(args[3]);
        int pairPrompts = Integer.parseInt(args[4]);
        double tau = Double.parseDouble(args[5]);
        int rmEpochs = Integer.parseInt(args[6]);
        int dpoEpochs = Integer.parseInt(args[7]);
        double beta = Double.parseDouble(args[8]);
        double rmLr = Double.parseDouble(args[9]);
        double dpoLr = Double.parseDouble(args[10]);
        long start = System.nanoTime();
        ReviewCorpus corpus = ReviewCorpus.generate(4000, 1);
        Gpt2Tokenizer tok = corpus.trainTokenizer(400);
        List<CompletionExample> sft = corpus.sftExamples(tok);
        int eos = tok.eosTokenId();
        Gpt2Config config = new Gpt2Config(layers, heads, embd, 64, tok.vocabSize(), 1e-5, "gelu_new", "float32", eos, eos, 0, 0, 0);
        java.nio.file.Path cached = java.nio.file.Path.of("/tmp/demo-sft-" + layers + "-" + heads + "-" + embd + "-" + sftSteps);
        Gpt2LMHeadModel model;
        if (java.nio.file.Files.exists(cached)) {
            model = Gpt2LMHeadModel.fromPretrained(cached, DType.FLOAT32);
        } else {
            model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 1);
            AdamW opt = new AdamW(model.namedParameters(), new AdamW.Config(2e-3, 0.9, 0.99, 1e-8, 0.0), AdamW.matricesOnly(model.namedParameters()));
            LrSchedule schedule = LrSchedule.warmupCosine(2e-3, sftSteps / 20, sftSteps, 2e-4);
            Random random = new Random(2);
            for (int step = 0; step < sftSteps; step++) {
                schedule.apply(opt, step);
                List<CompletionExample> b = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    b.add(sft.get(random.nextInt(sft.size())));
                }
                DemoTiming.sftStep(model, opt, b, eos);
            }
            opt.release();
            model.save(cached);
        }
        lap("SFT " + sftSteps + " steps", start);

        // preferences: two samples per prompt from the SFT model
        long t = System.nanoTime();
        List<String> prompts = ReviewCorpus.prompts(pairPrompts, 17);
        List<int[]> promptIds = prompts.stream().map(tok::encode).toList();
        Generator generator = new Generator(model);
        List<int[]> first = completions(generator.generate(promptIds, GenerationConfig.sampling(24, 1.0, 0, 1.0, eos, 1)), eos);
        List<int[]> second = completions(generator.generate(promptIds, GenerationConfig.sampling(24, 1.0, 0, 1.0, eos, 2)), eos);
        PreferenceLabeller labeller = new PreferenceLabeller(tau, 3);
        List<CompletionExample[]> pairs = new ArrayList<>();          // chosen, rejected
        List<double[]> golds = new ArrayList<>();
        int ties = 0;
        for (int i = 0; i < pairPrompts; i++) {
            PreferenceLabeller.Judgement j = labeller.label(prompts.get(i), tok.decode(first.get(i)), tok.decode(second.get(i)));
            if (j.chosenGold() == j.rejectedGold()) {
                ties++;
                continue;
            }
            int[] c = j.firstChosen() ? first.get(i) : second.get(i);
            int[] r = j.firstChosen() ? second.get(i) : first.get(i);
            pairs.add(new CompletionExample[] {new CompletionExample(promptIds.get(i), c), new CompletionExample(promptIds.get(i), r)});
            golds.add(new double[] {j.chosenGold(), j.rejectedGold()});
        }
        int nTrain = pairs.size() * 4 / 5;
        System.out.printf(Locale.ROOT, "pairs %d (ties dropped %d), train %d, held-out %d%n", pairs.size(), ties, nTrain, pairs.size() - nTrain);
        lap("sampling + labelling", t);

        // reward model: the SFT transformer + a score head, Bradley-Terry loss
        t = System.nanoTime();
        Gpt2LMHeadModel rm = model.deepCopy();
        ScoreHead head = new ScoreHead(embd, DType.FLOAT32);
        head.initialize(new TensorRandom(4), 1 / Math.sqrt(embd + 1.0));
        Map<String, Tensor> rmParams = new HashMap<>(rm.namedParameters());
        rmParams.putAll(head.namedParameters());
        AdamW rmOpt = new AdamW(rmParams, new AdamW.Config(rmLr, 0.9, 0.99, 1e-8, 0.0), AdamW.matricesOnly(rmParams));
        BradleyTerryLoss bt = new BradleyTerryLoss(0);
        for (int epoch = 0; epoch < rmEpochs; epoch++) {
            if (epoch == 0) {
                System.out.printf(Locale.ROOT, "RM held-out accuracy before training %.3f%n", heldOutAccuracy(rm, head, pairs.subList(nTrain, pairs.size()), eos));
            }
            double acc = 0;
            int batches = 0;
            for (int s = 0; s + 32 <= nTrain; s += 32) {
                try (Arena a = Arena.open()) {
                    double[] sc = rmScores(rm, head, pairs.subList(s, s + 32), eos);
                    Tensor scores = lastScores;
                    BradleyTerryLoss.Output out = bt.compute(scores.narrow(0, 0, 32), scores.narrow(0, 32, 32));
                    out.loss().backward();
                    rmOpt.step();
                    rmOpt.zeroGrad();
                    acc += out.accuracy();
                    batches++;
                }
            }
            double held = heldOutAccuracy(rm, head, pairs.subList(nTrain, pairs.size()), eos);
            System.out.printf(Locale.ROOT, "RM epoch %d: train acc %.3f, held-out acc %.3f (%.1f s)%n", epoch + 1, acc / batches, held,
                    (System.nanoTime() - t) / 1e9);
        }
        if (rmEpochs > 0) {
        // held-out correlation with gold
        List<double[]> heldScores = new ArrayList<>();
        for (int s = nTrain; s < pairs.size(); s += 32) {
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                heldScores.add(rmScores(rm, head, pairs.subList(s, Math.min(pairs.size(), s + 32)), eos));
            }
        }
        double[] rmFlat = heldScores.stream().flatMapToDouble(Arrays::stream).toArray();
        double[] goldFlat = new double[rmFlat.length];
        int k = 0;
        for (int s = nTrain; s < pairs.size(); s += 32) {
            int n = Math.min(pairs.size(), s + 32) - s;
            for (int i = 0; i < n; i++) {
                goldFlat[k + i] = golds.get(s + i)[0];
                goldFlat[k + n + i] = golds.get(s + i)[1];
            }
            k += 2 * n;
        }
        System.out.printf(Locale.ROOT, "RM held-out: Pearson %.3f, Spearman %.3f on %d completions%n", DemoStatistics.pearson(rmFlat, goldFlat),
                DemoStatistics.spearman(rmFlat, goldFlat), rmFlat.length);
        lap("reward model " + rmEpochs + " epochs", t);
        }

        // DPO from SFT, SFT as reference
        t = System.nanoTime();
        Gpt2LMHeadModel policy = model.deepCopy();
        AdamW dpoOpt = new AdamW(policy.namedParameters(), new AdamW.Config(dpoLr, 0.9, 0.99, 1e-8, 0.0), AdamW.matricesOnly(policy.namedParameters()));
        SigmoidDpoLoss dpo = new SigmoidDpoLoss(beta, 0);
        int steps = 0;
        for (int epoch = 0; epoch < dpoEpochs; epoch++) {
            for (int s = 0; s + 32 <= nTrain; s += 32) {
                try (Arena a = Arena.open()) {
                    CompletionBatch batch = both(pairs.subList(s, s + 32), eos);
                    Tensor ids = batch.inputIds();                                     // (2B, T)
                    Tensor mask = batch.completionMask(DType.FLOAT32);                 // (2B, T-1)
                    Tensor pol = TokenLogProbs.of(policy.forward(ids), ids, mask, 1).sum();   // (2B)
                    Tensor ref;
                    try (NoGrad ng = NoGrad.enter()) {
                        ref = TokenLogProbs.of(model.forward(ids), ids, mask, 1).sum();
                    }
                    PreferenceOutput out = dpo.compute(new PreferenceLogProbs(pol.narrow(0, 0, 32), pol.narrow(0, 32, 32),
                            ref.narrow(0, 0, 32), ref.narrow(0, 32, 32)));
                    out.loss().backward();
                    dpoOpt.step();
                    dpoOpt.zeroGrad();
                    steps++;
                    if (steps % 10 == 0) {
                        System.out.printf(Locale.ROOT, "DPO step %d: loss %.4f margin %.3f acc %.3f%n", steps, out.loss().item(),
                                out.margins().mean().item(), out.accuracy());
                    }
                }
            }
        }
        lap("DPO " + steps + " steps", t);

        // evaluation: 256 prompts, SFT vs DPO
        t = System.nanoTime();
        List<String> evalPrompts = ReviewCorpus.prompts(256, 1000);
        List<int[]> evalIds = evalPrompts.stream().map(tok::encode).toList();
        double[] sftGold = evaluate("SFT", model, model, evalIds, tok, eos);
        double[] dpoGold = evaluate("DPO", policy, model, evalIds, tok, eos);
        DemoStatistics.Estimate s0 = DemoStatistics.estimate(sftGold);
        DemoStatistics.Estimate s1 = DemoStatistics.estimate(dpoGold);
        System.out.printf(Locale.ROOT, "DPO vs SFT: gain %.3f SFT sd, Welch p %.2g%n", (s1.mean() - s0.mean()) / s0.sd(),
                DemoStatistics.welchPValue(dpoGold, sftGold));
        lap("evaluation (2 x 256 samples + KL)", t);
        lap("total", start);
    }

    private static Tensor lastScores;

    /** Scores of chosen (first half) and rejected (second half). */
    static double[] rmScores(Gpt2LMHeadModel rm, ScoreHead head, List<CompletionExample[]> pairs, int eos) {
        CompletionBatch batch = both(pairs, eos);
        Tensor hidden = rm.transformer().forward(batch.batch());                     // (2B, T, C)
        lastScores = head.forward(hidden, batch.batch());                             // (2B)
        return lastScores.to(DType.FLOAT64).toDoubleArray();
    }

    static double heldOutAccuracy(Gpt2LMHeadModel rm, ScoreHead head, List<CompletionExample[]> pairs, int eos) {
        int correct = 0;
        for (int s = 0; s < pairs.size(); s += 32) {
            List<CompletionExample[]> part = pairs.subList(s, Math.min(pairs.size(), s + 32));
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                double[] sc = rmScores(rm, head, part, eos);
                for (int i = 0; i < part.size(); i++) {
                    correct += sc[i] > sc[part.size() + i] ? 1 : 0;
                }
            }
        }
        return (double) correct / pairs.size();
    }

    static CompletionBatch both(List<CompletionExample[]> pairs, int eos) {
        List<CompletionExample> all = new ArrayList<>();
        pairs.forEach(p -> all.add(p[0]));
        pairs.forEach(p -> all.add(p[1]));
        return CompletionBatch.of(all, eos);
    }

    static double[] evaluate(String name, Gpt2LMHeadModel policy, Gpt2LMHeadModel ref, List<int[]> prompts, Gpt2Tokenizer tok, int eos) {
        GenerationResult result = new Generator(policy).generate(prompts, GenerationConfig.sampling(24, 1.0, 0, 1.0, eos, 5));
        List<int[]> comps = completions(result, eos);
        List<String> texts = comps.stream().map(tok::decode).toList();
        double[] gold = GoldReward.of(texts);
        double kl = 0;
        for (int s = 0; s < prompts.size(); s += 64) {
            List<CompletionExample> ex = new ArrayList<>();
            for (int i = s; i < Math.min(prompts.size(), s + 64); i++) {
                ex.add(new CompletionExample(prompts.get(i), comps.get(i)));
            }
            try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
                CompletionBatch batch = CompletionBatch.of(ex, eos);
                Tensor ids = batch.inputIds();
                Tensor mask = batch.completionMask(DType.FLOAT32);
                double[] lp = TokenLogProbs.of(policy.forward(ids), ids, mask, 1).sum().to(DType.FLOAT64).toDoubleArray();
                double[] lr = TokenLogProbs.of(ref.forward(ids), ids, mask, 1).sum().to(DType.FLOAT64).toDoubleArray();
                for (int i = 0; i < lp.length; i++) {
                    kl += lp[i] - lr[i];
                }
            }
        }
        DemoStatistics.Estimate e = DemoStatistics.estimate(gold);
        System.out.printf(Locale.ROOT, "%s: gold %.3f +- %.3f (sd %.3f), KL to ref %.3f nats/completion%n", name, e.mean(),
                (e.ciHigh() - e.ciLow()) / 2, e.sd(), kl / prompts.size());
        for (int i = 0; i < 6; i++) {
            System.out.printf(Locale.ROOT, "   %s |%s| %.1f%n", tok.decode(prompts.get(i)), texts.get(i), gold[i]);
        }
        return gold;
    }

    /** Each row's generated tokens up to and including the first EOS (all of them if none). */
    static List<int[]> completions(GenerationResult result, int eos) {
        List<int[]> out = new ArrayList<>();
        for (int[] row : result.tokens()) {
            int n = 0;
            while (n < row.length && row[n] != eos) {
                n++;
            }
            out.add(Arrays.copyOf(row, Math.min(row.length, n + 1)));
        }
        return out;
    }

    private static void lap(String what, long since) {
        System.out.printf(Locale.ROOT, "[time] %s: %.1f s%n", what, (System.nanoTime() - since) / 1e9);
    }
}
