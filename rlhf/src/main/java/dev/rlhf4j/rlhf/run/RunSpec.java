package dev.rlhf4j.rlhf.run;

import java.nio.file.Path;

/**
 * What every training command is started with, whatever its trainer.
 *
 * @param command    the command's name ({@code sft}, {@code reward}, {@code ppo}, {@code dpo}): names the default
 *                   folder and the progress bar
 * @param out        the run folder ({@code --out}), or null for {@code runs/<command>-<yyyyMMdd-HHmmss>/}
 * @param seed       the run's seed ({@code --seed}), recorded in {@code config.json}
 * @param model      the model folder the run starts from ({@code --model}), recorded in {@code config.json}
 * @param totalSteps the number of steps the progress bar counts to; 0 when not known in advance
 * @param quiet      no progress bar even on a terminal
 */
public record RunSpec(String command, Path out, long seed, Path model, long totalSteps, boolean quiet) {
    public RunSpec {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("a run needs a command name");
        }
        if (totalSteps < 0) {
            throw new IllegalArgumentException("total steps must be 0 (unknown) or positive, got " + totalSteps);
        }
    }
}
