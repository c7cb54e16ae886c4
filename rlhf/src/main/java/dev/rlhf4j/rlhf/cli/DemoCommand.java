package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j demo}: the embedded demo. Until the RLHF pipeline lands, it trains a small character-level
 * language model (Bengio et al. 2003: embeddings of the previous three characters, a tanh hidden layer,
 * a softmax over characters) with the core autograd engine on an embedded text, and samples from it, so a
 * newcomer sees the engine learn within seconds.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Embedded demo: trains a small character-level model with the core autograd engine.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "300", description = "training steps")
    int steps;

    @Option(names = "--seed", defaultValue = "1337", description = "random seed")
    long seed;

    static final String TEXT = """
            reinforcement learning from human feedback trains a policy to prefer the answers people prefer. \
            a reward model learns from pairs of answers which one a person chose. the policy then writes \
            answers, the reward model scores them, and proximal policy optimisation moves the policy toward \
            higher scores while a penalty on the divergence from a frozen reference model keeps it close to \
            what it knew. direct preference optimisation skips the reward model and learns from the pairs \
            themselves. every step is a few tensors, a loss, and its gradient.""";

    private static final int CONTEXT = 3;
    private static final int EMBED = 16;
    private static final int HIDDEN = 128;

    @Override
    public Integer call() {
        String chars = TEXT.chars().distinct().sorted()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        int vocab = chars.length();
        int n = TEXT.length() - CONTEXT;
        int[] contexts = new int[n * CONTEXT];
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < CONTEXT; j++) {
                contexts[i * CONTEXT + j] = chars.indexOf(TEXT.charAt(i + j));
            }
            targets[i] = chars.indexOf(TEXT.charAt(i + CONTEXT));
        }
        System.out.println("rlhf4j demo: the RLHF pipeline demo arrives with the pipeline issue; meanwhile this trains a");
        System.out.printf(Locale.ROOT, "character-level model with the core autograd engine: %d characters, vocabulary %d, context %d.%n",
                TEXT.length(), vocab, CONTEXT);

        TensorRandom random = new TensorRandom(seed);
        Tensor wte = random.normal(DType.FLOAT32, 0, 1, vocab, EMBED).requiresGrad(true);               // (V, E)
        Tensor w1 = random.normal(DType.FLOAT32, 0, 1 / Math.sqrt(CONTEXT * EMBED), CONTEXT * EMBED, HIDDEN).requiresGrad(true);
        Tensor b1 = Tensor.zeros(DType.FLOAT32, HIDDEN).requiresGrad(true);
        Tensor w2 = random.normal(DType.FLOAT32, 0, 0.01, HIDDEN, vocab).requiresGrad(true);           // (H, V)
        Tensor b2 = Tensor.zeros(DType.FLOAT32, vocab).requiresGrad(true);
        Tensor[] params = {wte, w1, b1, w2, b2};
        Tensor x = Tensor.ofInts(contexts, n, CONTEXT);                                                  // (N, 3)
        Tensor y = Tensor.ofInts(targets, n);                                                            // (N)

        long start = System.nanoTime();
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < steps; step++) {
            double lr = step < steps * 3 / 4 ? 0.5 : 0.05;
            try (Arena arena = Arena.open()) {
                Tensor h = Tensor.embedding(wte, x).reshape(n, CONTEXT * EMBED)                            // (N, 3E)
                        .matmul(w1).add(b1).tanh();                                                       // (N, H)
                Tensor loss = h.matmul(w2).add(b2).crossEntropy(y, -1);                                    // scalar
                loss.backward();
                last = loss.item();
                try (NoGrad ng = NoGrad.enter()) {
                    for (Tensor p : params) {
                        p.addInPlace(p.grad(), -lr);
                        p.zeroGrad();
                    }
                }
            }
            if (step == 0) {
                first = last;
            }
            if (step % 50 == 0 || step == steps - 1) {
                System.out.printf(Locale.ROOT, "step %4d  loss %.4f%n", step, last);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f s: loss %.3f -> %.3f (uniform guessing: %.3f)%n",
                steps, seconds, first, last, Math.log(vocab));
        System.out.println("sample: " + sample(chars, wte, w1, b1, w2, b2, random, 160));
        return last < first ? 0 : 1;
    }

    /** Draws characters one at a time from the trained model, starting from the text's first context. */
    private static String sample(String chars, Tensor wte, Tensor w1, Tensor b1, Tensor w2, Tensor b2, TensorRandom random, int length) {
        StringBuilder out = new StringBuilder(TEXT.substring(0, CONTEXT));
        try (NoGrad ng = NoGrad.enter()) {
            for (int i = 0; i < length; i++) {
                try (Arena arena = Arena.open()) {
                    int[] ctx = new int[CONTEXT];
                    for (int j = 0; j < CONTEXT; j++) {
                        ctx[j] = chars.indexOf(out.charAt(out.length() - CONTEXT + j));
                    }
                    Tensor h = Tensor.embedding(wte, Tensor.ofInts(ctx, 1, CONTEXT)).reshape(1, CONTEXT * EMBED)
                            .matmul(w1).add(b1).tanh();
                    double[] p = h.matmul(w2).add(b2).softmax(1).toDoubleArray();
                    double u = random.nextDouble();
                    int k = 0;
                    for (double acc = p[0]; acc < u && k < p.length - 1; acc += p[++k]) {
                        // walk the cumulative distribution to the sampled character
                    }
                    out.append(chars.charAt(k));
                }
            }
        }
        return out.toString();
    }
}
