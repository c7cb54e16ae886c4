package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.rlhf.data.TrainingPlan;
import java.util.SplittableRandom;

/**
 * The order in which PPO takes its prompts: pass after pass over them, each pass a permutation drawn from
 * (seed, pass number), a batch at a time; a pass with fewer than a batch left is dropped, as TRL drops it. Its whole
 * state is the pass number and the cursor, so a checkpoint restores it exactly.
 */
final class PromptOrder {
    private final int prompts;
    private final int batch;
    private final long seed;
    private int[] order = new int[0];
    private int cursor;
    private long passes;

    PromptOrder(int prompts, int batch, long seed) {
        this.prompts = prompts;
        this.batch = batch;
        this.seed = seed;
    }

    /** The indices of the next batch of prompts. */
    int[] next() {
        if (cursor + batch > order.length) {
            order = permutation(new SplittableRandom(TrainingPlan.stepSeed(~seed, passes++)), prompts);
            cursor = 0;
        }
        int[] out = java.util.Arrays.copyOfRange(order, cursor, cursor + batch);
        cursor += batch;
        return out;
    }

    /** Passes begun so far. */
    long passes() {
        return passes;
    }

    /** Prompts taken from the current pass. */
    int cursor() {
        return cursor;
    }

    /** Continues after {@code passesBegun} passes, {@code taken} prompts into the last; {@code where} names the source. */
    void restore(long passesBegun, long taken, String where) {
        if (passesBegun < 0 || taken < 0 || taken > (passesBegun == 0 ? 0 : prompts)) {
            throw new IllegalArgumentException(where + ": prompt order " + taken + " prompts into pass " + passesBegun + " of "
                    + prompts + " prompts");
        }
        passes = passesBegun;
        order = passes == 0 ? new int[0] : permutation(new SplittableRandom(TrainingPlan.stepSeed(~seed, passes - 1)), prompts);
        cursor = (int) taken;
    }

    /** A uniform permutation of 0..n-1 (Fisher-Yates) drawn from {@code random}. */
    static int[] permutation(SplittableRandom random, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
