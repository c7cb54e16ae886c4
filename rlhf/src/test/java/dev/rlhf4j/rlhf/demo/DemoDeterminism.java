package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.gpt2.ScoreHead;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.train.CompletionBatch;
import dev.rlhf4j.rlhf.train.CompletionExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Throwaway: do identical copies trained on identical batches stay bitwise identical? args: sftDir mode(padded|plain|lm) steps */
public final class DemoDeterminism {
    public static void main(String[] args) {
        Gpt2LMHeadModel base = Gpt2LMHeadModel.fromPretrained(java.nio.file.Path.of(args[0]), DType.FLOAT32);
        String mode = args[1];
        int steps = Integer.parseInt(args[2]);
        ReviewCorpus corpus = ReviewCorpus.generate(4000, 1);
        Gpt2Tokenizer tok = corpus.trainTokenizer(400);
        List<CompletionExample> sft = corpus.sftExamples(tok);
        int eos = tok.eosTokenId();
        double[][] finals = new double[3][];
        for (int copy = 0; copy < 3; copy++) {
            Gpt2LMHeadModel m = base.deepCopy();
            ScoreHead head = new ScoreHead(m.config().nEmbd(), DType.FLOAT32);
            head.initialize(new TensorRandom(4), 0.1);
            Map<String, Tensor> params = new HashMap<>(m.namedParameters());
            params.putAll(head.namedParameters());
            AdamW opt = new AdamW(params, new AdamW.Config(1e-3, 0.9, 0.99, 1e-8, 0.0), AdamW.matricesOnly(params));
            for (int s = 0; s < steps; s++) {
                List<CompletionExample> b = sft.subList(s * 64, s * 64 + 64);
                try (Arena a = Arena.open()) {
                    CompletionBatch batch = CompletionBatch.of(b, eos);
                    Tensor loss;
                    if (mode.equals("lm")) {
                        loss = m.loss(batch.inputIds());
                    } else {
                        Tensor hidden = mode.equals("padded") ? m.transformer().forward(batch.batch()) : m.transformer().forward(batch.inputIds());
                        Tensor scores = mode.equals("padded") ? head.forward(hidden, batch.batch()) : head.forward(hidden);
                        loss = scores.narrow(0, 0, 32).sub(scores.narrow(0, 32, 32)).neg().sigmoid().mean();
                    }
                    loss.backward();
                    opt.step();
                    opt.zeroGrad();
                }
            }
            finals[copy] = m.namedParameters().get("transformer.wte.weight").to(DType.FLOAT64).toDoubleArray();
        }
        for (int[] pair : new int[][] {{0, 1}, {1, 2}}) {
            int differ = 0;
            double maxDiff = 0;
            for (int i = 0; i < finals[0].length; i++) {
                if (finals[pair[0]][i] != finals[pair[1]][i]) {
                    differ++;
                    maxDiff = Math.max(maxDiff, Math.abs(finals[pair[0]][i] - finals[pair[1]][i]));
                }
            }
            System.out.printf("mode %s, %d steps, copies %d vs %d: %d of %d wte entries differ, max |diff| %.3g%n", mode, steps,
                    pair[0] + 1, pair[1] + 1, differ, finals[0].length, maxDiff);
        }
    }
}
