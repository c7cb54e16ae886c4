package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.nn.optim.Optimizer;
import java.io.PrintStream;
import java.util.Map;

/**
 * What every trainer does with a numerical fault: an optimizer step whose loss or global gradient norm is NaN or
 * infinite is skipped (its gradients are dropped, the weights and AdamW's moments stay as they were), counted, and
 * logged on one line with its step; {@code max_consecutive_nonfinite} such steps in a row stop the run with an
 * exception naming the step, as a run that no longer learns anything should not burn hours going on.
 *
 * <p>The skipped step still counts as a step: the schedule and the data order go on, so a run with a skipped step
 * visits the same examples at the same learning rates as one without. Two figures go into the step's metrics:
 * {@code nonfinite} (1 if this step was skipped, else 0) and {@code skipped_steps} (skipped so far in the run).
 */
public final class NonFiniteGuard {
    /** The configs' default {@code max_consecutive_nonfinite}. */
    public static final int DEFAULT_MAX_CONSECUTIVE = 5;

    private final String trainer;
    private final int maxConsecutive;
    private final PrintStream log;
    private long skipped;
    private int consecutive;

    /**
     * @param trainer        the trainer's name in the log line and the message ({@code sft}, {@code dpo}, ...)
     * @param maxConsecutive non-finite steps in a row that stop the run (at least 1)
     */
    public NonFiniteGuard(String trainer, int maxConsecutive) {
        this(trainer, maxConsecutive, System.err);
    }

    NonFiniteGuard(String trainer, int maxConsecutive, PrintStream log) {
        if (maxConsecutive < 1) {
            throw new IllegalArgumentException(trainer + ": max_consecutive_nonfinite must be at least 1, got " + maxConsecutive);
        }
        this.trainer = trainer;
        this.maxConsecutive = maxConsecutive;
        this.log = log;
    }

    /**
     * Whether the update of {@code step} may go ahead: true when {@code loss} and {@code gradNorm} are finite. Otherwise
     * the optimizer's gradients are zeroed, the step is counted and logged, and false is returned; the
     * {@code max_consecutive_nonfinite}-th non-finite step in a row throws instead.
     *
     * @throws NonFiniteStepException on the last non-finite step the run tolerates
     */
    public boolean admit(long step, double loss, double gradNorm, Optimizer optimizer) {
        if (Double.isFinite(loss) && Double.isFinite(gradNorm)) {
            consecutive = 0;
            return true;
        }
        optimizer.zeroGrad();
        skipped++;
        consecutive++;
        log.println(trainer + ": step " + step + ": non-finite loss " + loss + " or grad_norm " + gradNorm
                + ", update skipped (" + consecutive + " in a row, " + skipped + " in all)");
        if (consecutive >= maxConsecutive) {
            throw new NonFiniteStepException(trainer + ": step " + step + ": " + consecutive + " optimizer steps in a row with a"
                    + " non-finite loss or gradient (max_consecutive_nonfinite = " + maxConsecutive + "); stopping the run."
                    + " Lower the learning rate or check the data; the last checkpoint is intact.", step);
        }
        return false;
    }

    /** Adds {@code nonfinite} (whether the step just admitted or refused was skipped) and {@code skipped_steps}. */
    public void report(Map<String, Double> metrics, boolean updated) {
        metrics.put("nonfinite", updated ? 0.0 : 1.0);
        metrics.put("skipped_steps", (double) skipped);
    }

    /**
     * For a report that spans several optimizer steps (a PPO iteration): {@code nonfinite} is the number skipped since
     * {@code skippedBefore} (what {@link #skipped()} was at its start), {@code skipped_steps} the run's total.
     */
    public void reportSince(Map<String, Double> metrics, long skippedBefore) {
        metrics.put("nonfinite", (double) (skipped - skippedBefore));
        metrics.put("skipped_steps", (double) skipped);
    }

    /** Steps skipped so far. */
    public long skipped() {
        return skipped;
    }

    /** Non-finite steps in a row up to the last one admitted or refused. */
    public int consecutive() {
        return consecutive;
    }

    /** Continues the counts of a checkpoint. */
    public void restore(long skippedSteps, int consecutiveSteps) {
        if (skippedSteps < 0 || consecutiveSteps < 0 || consecutiveSteps > skippedSteps) {
            throw new IllegalArgumentException(trainer + ": bad non-finite step counts " + skippedSteps + ", " + consecutiveSteps);
        }
        this.skipped = skippedSteps;
        this.consecutive = consecutiveSteps;
    }

    /** The run stopped after too many non-finite steps in a row; {@link #step()} is the last of them. */
    public static final class NonFiniteStepException extends IllegalStateException {
        private final long step;

        NonFiniteStepException(String message, long step) {
            super(message);
            this.step = step;
        }

        public long step() {
            return step;
        }
    }
}
