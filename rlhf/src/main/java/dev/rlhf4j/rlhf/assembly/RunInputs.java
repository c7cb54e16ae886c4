package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.rlhf.run.RunSpec;
import dev.rlhf4j.rlhf.run.TrainingRun;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every training run starts from, whatever its trainer: the options the command line shares
 * ({@code --model}, {@code --data}, {@code --out}, {@code --resume}, {@code --save-steps}, {@code --quiet},
 * {@code --master}), resolved and checked.
 *
 * @param model     the model folder the run starts from
 * @param data      the training data (JSON lines)
 * @param out       the run folder, or null for {@code runs/<command>-<yyyyMMdd-HHmmss>/}
 * @param resume    the run folder to continue from its last checkpoint, or null for a new run
 * @param saveSteps checkpoint every that many steps and at the end; 0: only at the end (TRL's {@code save_steps})
 * @param quiet     no progress bar, even on a terminal
 * @param master    the Spark master to distribute on, or null for one process without Spark
 */
public record RunInputs(Path model, Path data, Path out, Path resume, long saveSteps, boolean quiet, String master) {
    public RunInputs {
        if (saveSteps < 0) {
            throw new IllegalArgumentException("--save-steps must be 0 (only at the end) or positive, got " + saveSteps);
        }
        if (resume != null && out != null && !out.equals(resume)) {
            throw new IllegalArgumentException("--resume " + resume + " continues that folder; --out " + out + " differs");
        }
    }

    /** The run of {@code command} with the resolved seed and its step count. */
    RunSpec spec(String command, long seed, long totalSteps) {
        return new RunSpec(command, resume != null ? resume : out, seed, model, totalSteps, quiet);
    }

    /** A new run, or with {@code --resume} the continued one. */
    TrainingRun open(RunSpec spec, Map<String, ?> sections) {
        return resume != null ? TrainingRun.resume(spec, sections) : TrainingRun.start(spec, sections);
    }

    /** Whether {@code step} of {@code totalSteps} is checkpointed: every {@code saveSteps}-th and the last. */
    boolean checkpointDue(long step, long totalSteps) {
        return step == totalSteps || saveSteps > 0 && step % saveSteps == 0;
    }
}
