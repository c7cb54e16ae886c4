package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.rlhf.data.DpoBatch;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What one forward and backward of {@link DpoTrainer} computed on a {@link DpoBatch} of B pairs, read out as numbers
 * (the tensors are freed with the step's arena). Per-sequence log-probs are sums over completion tokens, or means
 * for a length-normalised loss (IPO, SimPO); reference log-probs are 0 without a reference.
 *
 * @param loss                   the mean loss over the B pairs (before any gradient-accumulation scaling)
 * @param losses                 per-pair loss                                (B)
 * @param policyChosenLogps      log pi(y_c | x)                              (B)
 * @param policyRejectedLogps    log pi(y_r | x)                              (B)
 * @param referenceChosenLogps   log ref(y_c | x)                             (B)
 * @param referenceRejectedLogps log ref(y_r | x)                             (B)
 * @param chosenRewards          beta (log pi(y_c) - log ref(y_c))            (B)
 * @param rejectedRewards        beta (log pi(y_r) - log ref(y_r))            (B)
 * @param logitsChosen           mean of every vocabulary logit at the positions that predict chosen tokens (TRL)
 * @param logitsRejected         the same for the rejected tokens
 * @param tokens                 real (non-pad) tokens of the 2B rows
 * @param truncated              sequences shortened by max_prompt_length / max_length
 */
public record DpoStep(double loss, double[] losses, double[] policyChosenLogps, double[] policyRejectedLogps,
                      double[] referenceChosenLogps, double[] referenceRejectedLogps, double[] chosenRewards,
                      double[] rejectedRewards, double logitsChosen, double logitsRejected, int tokens, int truncated)
        implements Serializable {
    private static final long serialVersionUID = 1L;


    /** Fraction of pairs whose chosen reward exceeds the rejected one. */
    public double accuracy() {
        int n = 0;
        for (int b = 0; b < chosenRewards.length; b++) {
            n += chosenRewards[b] > rejectedRewards[b] ? 1 : 0;
        }
        return (double) n / chosenRewards.length;
    }

    /**
     * TRL's DPO metrics of one optimizer step: each the mean over its micro-batches of the batch mean (TRL stores one
     * value per micro-batch and averages them when it logs), except {@code num_truncated}, a count over all of them.
     */
    public static LinkedHashMap<String, Double> metrics(List<DpoStep> microBatches) {
        LinkedHashMap<String, Double> m = new LinkedHashMap<>();
        m.put("loss", mean(microBatches, DpoStep::loss));
        m.put("rewards/chosen", mean(microBatches, s -> mean(s.chosenRewards)));
        m.put("rewards/rejected", mean(microBatches, s -> mean(s.rejectedRewards)));
        m.put("rewards/accuracies", mean(microBatches, DpoStep::accuracy));
        m.put("rewards/margins", mean(microBatches, s -> mean(s.chosenRewards) - mean(s.rejectedRewards)));
        m.put("logps/chosen", mean(microBatches, s -> mean(s.policyChosenLogps)));
        m.put("logps/rejected", mean(microBatches, s -> mean(s.policyRejectedLogps)));
        m.put("logits/chosen", mean(microBatches, DpoStep::logitsChosen));
        m.put("logits/rejected", mean(microBatches, DpoStep::logitsRejected));
        m.put("num_truncated", (double) microBatches.stream().mapToInt(DpoStep::truncated).sum());
        return m;
    }

    private static double mean(List<DpoStep> steps, ToDoubleFunction<DpoStep> f) {
        double s = 0;
        for (DpoStep step : steps) {
            s += f.applyAsDouble(step);
        }
        return s / steps.size();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
