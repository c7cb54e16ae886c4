package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The GRPO and RLOO behaviour tests' world: a tiny random GPT-2 (vocabulary 16), random prompts, a reward paying 1 per
 * completion token equal to {@link #PAID} (trivially learnable) and one paying the completion's length, and a
 * reference that counts its calls.
 */
final class GroupToy {
    static final int VOCAB = 16;
    static final int PAID = 7;
    static final Gpt2Config CONFIG = new Gpt2Config(2, 4, 32, 32, VOCAB, 1e-5, "gelu_new", "float32", VOCAB - 1, VOCAB - 1,
            0.0, 0.0, 0.0);

    private GroupToy() {
    }

    static final NamedReward COUNT_PAID = new NamedReward("paid", batch -> {
        double[] s = new double[batch.size()];
        for (int b = 0; b < s.length; b++) {
            int[] row = batch.batch().tokens(b);
            for (int j = batch.promptLengths()[b]; j < row.length; j++) {
                s[b] += row[j] == PAID ? 1 : 0;
            }
        }
        return Tensor.of(s, DType.FLOAT32, s.length);
    });

    static final NamedReward LENGTH = new NamedReward("length", batch -> {
        double[] s = new double[batch.size()];
        for (int b = 0; b < s.length; b++) {
            s[b] = batch.completionLengths()[b];
        }
        return Tensor.of(s, DType.FLOAT64, s.length);
    });

    static List<int[]> prompts(int n, long seed) {
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = new int[2 + r.nextInt(3)];
            for (int j = 0; j < p.length; j++) {
                p[j] = r.nextInt(VOCAB - 1);
            }
            out.add(p);
        }
        return out;
    }

    /** A reference that counts the log-prob passes asked of it and the steps it is told of. */
    static final class CountingReference implements ReferenceModel {
        private final ReferenceModel inner;
        int passes;
        int steps;

        CountingReference(ReferenceModel inner) {
            this.inner = inner;
        }

        @Override
        public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
            passes++;
            return inner.logProbs(batch, completionMask);
        }

        @Override
        public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
            passes++;
            return inner.logProbs(batch, completionMask, temperature);
        }

        @Override
        public void onStep(Module policy, long step) {
            steps++;
            inner.onStep(policy, step);
        }

        @Override
        public void verifyFrozen() {
            inner.verifyFrozen();
        }

        @Override
        public long heldBytes() {
            return inner.heldBytes();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    static Gpt2LMHeadModel model(long seed) {
        return Gpt2LMHeadModel.random(CONFIG, DType.FLOAT32, seed);
    }
}
