package dev.rlhf4j.rlhf.demo;

import com.sun.management.OperatingSystemMXBean;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.train.CompletionExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Throwaway: median step / generation times per model size (wall and process CPU). args: merges, then L,H,C triples. */
public final class DemoSizes {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] args) {
        int merges = Integer.parseInt(args[0]);
        ReviewCorpus corpus = ReviewCorpus.generate(4000, 1);
        Gpt2Tokenizer tok = corpus.trainTokenizer(merges);
        List<CompletionExample> sft = corpus.sftExamples(tok);
        int eos = tok.eosTokenId();
        Random random = new Random(3);
        for (int a = 1; a + 2 < args.length; a += 3) {
            int l = Integer.parseInt(args[a]);
            int h = Integer.parseInt(args[a + 1]);
            int c = Integer.parseInt(args[a + 2]);
            Gpt2Config config = new Gpt2Config(l, h, c, 64, tok.vocabSize(), 1e-5, "gelu_new", "float32", eos, eos, 0, 0, 0);
            Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 1);
            AdamW opt = new AdamW(model.namedParameters(), new AdamW.Config(1e-3, 0.9, 0.99, 1e-8, 0.0), AdamW.matricesOnly(model.namedParameters()));
            for (int batch : new int[] {32, 64}) {
                double[][] t = new double[2][20];
                for (int s = -5; s < 20; s++) {
                    List<CompletionExample> b = new ArrayList<>();
                    for (int i = 0; i < batch; i++) {
                        b.add(sft.get(random.nextInt(sft.size())));
                    }
                    long w = System.nanoTime();
                    long cpu = OS.getProcessCpuTime();
                    DemoTiming.sftStep(model, opt, b, eos);
                    if (s >= 0) {
                        t[0][s] = (System.nanoTime() - w) / 1e6;
                        t[1][s] = (OS.getProcessCpuTime() - cpu) / 1e6;
                    }
                }
                double[][] f = new double[2][20];
                for (int s = -3; s < 20; s++) {
                    List<CompletionExample> b = new ArrayList<>();
                    for (int i = 0; i < batch; i++) {
                        b.add(sft.get(random.nextInt(sft.size())));
                    }
                    long w = System.nanoTime();
                    long cpu = OS.getProcessCpuTime();
                    try (Arena ar = Arena.open(); NoGrad ng = NoGrad.enter()) {
                        model.forward(DemoTiming.ids(b, eos));
                    }
                    if (s >= 0) {
                        f[0][s] = (System.nanoTime() - w) / 1e6;
                        f[1][s] = (OS.getProcessCpuTime() - cpu) / 1e6;
                    }
                }
                System.out.printf(Locale.ROOT, "L%d H%d C%d V%d params %d  B%d: train step %.1f ms (cpu %.1f ms), no-grad forward %.1f ms (cpu %.1f)%n",
                        l, h, c, tok.vocabSize(), model.numParameters(), batch, median(t[0]), median(t[1]), median(f[0]), median(f[1]));
            }
            Generator generator = new Generator(model);
            List<int[]> prompts = ReviewCorpus.prompts(64, 5).stream().map(tok::encode).toList();
            double[][] g = new double[2][4];
            for (int r = -1; r < 4; r++) {
                long w = System.nanoTime();
                long cpu = OS.getProcessCpuTime();
                // eos -1: always 24 tokens (an untrained model rarely stops anyway)
                generator.generate(prompts, GenerationConfig.sampling(24, 1.0, 0, 1.0, -1, r + 10));
                if (r >= 0) {
                    g[0][r] = (System.nanoTime() - w) / 1e6;
                    g[1][r] = (OS.getProcessCpuTime() - cpu) / 1e6;
                }
            }
            System.out.printf(Locale.ROOT, "L%d H%d C%d: generate 64 x 24 tokens %.1f ms (cpu %.1f ms)  load %.1f%n", l, h, c, median(g[0]), median(g[1]),
                    OS.getSystemLoadAverage());
            opt.release();
            model.release();
        }
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
