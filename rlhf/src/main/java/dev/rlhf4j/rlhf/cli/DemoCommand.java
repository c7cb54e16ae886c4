package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.demo.DemoRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j demo}: the whole RLHF story on two cores in a few minutes ({@link DemoRun}). A small GPT-2
 * learns to write reviews (SFT); a hidden gold reward labels pairs of its completions; a reward model learns from
 * the pairs; PPO, GRPO and RLOO optimise the reward model's score and DPO the pairs directly; an evaluation compares
 * the five policies by the gold reward the learners never saw. The report (summary.json, report.md, PNG plots) lands in the
 * run folder. The exit code is 0 when PPO and DPO both beat SFT and the reward model reaches {@link DemoRun#MIN_RM_ACCURACY}
 * (the acceptance; GRPO's and RLOO's verdicts are reported beside), 3 otherwise (1 and 2 are picocli's error
 * and usage codes); always 0 with
 * {@code --quick}, whose toy sizes are too small to learn anything.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The embedded demo: corpus and BPE, SFT, preference pairs from a hidden gold reward, a reward model,",
            "PPO, DPO, GRPO and RLOO, and a report comparing them by the gold reward (summary.json, report.md, plots)."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1", description = "seed of every random choice (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--quick", description = "toy sizes: the whole pipeline in seconds (its figures mean nothing)")
    boolean quick;

    @Option(names = "--out", description = "run folder for the report (default runs/demo-<timestamp>/)")
    Path out;

    @Option(names = "--quiet", description = "no progress bars")
    boolean quiet;

    @Override
    public Integer call() {
        return DemoRun.run(quick, seed, out, quiet, System.out) || quick ? 0 : 3;
    }
}
