package dev.rlhf4j.nn.optim;

/** The learning rate as a function of the step (0-based). */
public interface LrSchedule {
    double at(long step);

    /** Sets {@code optimizer}'s learning rate for {@code step}. */
    default void apply(Optimizer optimizer, long step) {
        optimizer.setLearningRate(at(step));
    }

    static LrSchedule constant(double lr) {
        return step -> lr;
    }

    /**
     * Linear warmup from 0 to {@code peak} over {@code warmup} steps, then cosine decay to {@code min} at
     * {@code total} steps (and {@code min} after), as nanoGPT's {@code get_lr}.
     */
    static LrSchedule warmupCosine(double peak, long warmup, long total, double min) {
        check(warmup, total);
        return step -> {
            if (step < warmup) {
                return peak * (step + 1) / warmup;
            }
            if (step >= total) {
                return min;
            }
            double progress = (double) (step - warmup) / Math.max(1, total - warmup);
            return min + 0.5 * (1 + Math.cos(Math.PI * progress)) * (peak - min);
        };
    }

    /**
     * Linear warmup from 0 to {@code peak} over {@code warmup} steps, then linear decay to 0 at {@code total}, as
     * transformers' {@code get_linear_schedule_with_warmup}.
     */
    static LrSchedule warmupLinear(double peak, long warmup, long total) {
        check(warmup, total);
        return step -> {
            if (step < warmup) {
                return peak * step / Math.max(1, warmup);
            }
            return peak * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
        };
    }

    private static void check(long warmup, long total) {
        if (warmup < 0 || total < warmup) {
            throw new IllegalArgumentException("LrSchedule: need 0 <= warmup <= total, got warmup " + warmup + ", total " + total);
        }
    }
}
